"""The word lists the built-in rules share, in English, Spanish, French, German, Russian,
Chinese and Japanese. Terms are written naturally (accents, capitals); they are folded the
way prompts are. Each list avoids words with an ordinary meaning in a prompt (German "Kind"
is English "kind", French "nu" is "nu jazz", Japanese "裸" is in "裸足", barefoot)."""

AGES_UNDER_18 = (
    r"(?:[1-9]|1[0-7]) ?(?:yo|y o|yr old|yrs old|year old|years old|anos|ans|jahre)"
    r"|(?:looks|looking|aged|age) (?:[1-9]|1[0-7])"
)
MINOR_TERMS = (
    "child", "children", "kid", "kids", "underage", "under age", "preteen", "pre teen",
    "preteens", "tween", "tweens", "toddler", "toddlers", "infant", "minors",
    "little girl", "little girls", "little boy", "little boys", "young girl", "young girls",
    "young boy", "young boys", "schoolgirl", "schoolgirls", "schoolboy", "schoolboys",
    "school girl", "school boy", "teen", "teens", "teenage", "teenager", "teenagers",
    "adolescent", "adolescents", "middle schooler", "middle schoolers", "grade schooler",
    "grade schoolers", "elementary schooler",
    # es
    "una niña", "la niña", "niña pequeña", "niñita", "un niño", "el niño", "niñas", "niños",
    "menor de edad", "menores de edad", "adolescente",
    "adolescentes", "colegiala", "colegialas", "jovencita", "jovencitas",
    # fr
    "enfant", "enfants", "fillette", "fillettes", "petite fille", "petit garçon", "mineure",
    "mineures", "écolière", "écolières", "collégienne", "collégiennes",
    # de
    "kinder", "kleinkind", "kleines mädchen", "kleiner junge", "junges mädchen",
    "minderjährig*", "schulmädchen", "jugendliche",
    # ru
    "ребенок", "ребёнок", "дети", "детей", "девочка", "девочки", "девочку", "мальчик",
    "мальчика", "школьница", "школьницу", "школьник", "несовершеннолетн*", "подрост*",
    "малолет*",
    # zh
    "儿童", "幼女", "幼童", "女童", "男童", "小女孩", "小男孩", "未成年", "萝莉", "正太",
    "小学生", "初中生", "中学生",
    # ja
    "児童", "幼児", "少女", "少年", "未成年", "ロリ", "ショタ", "子供", "子ども", "女子高生",
    "女子中学生",
)  # fmt: skip
MINOR_ONLY_TERMS = (
    "loli", "lolis", "lolicon", "shota", "shotas", "shotacon", "jailbait", "pedo",
    "pedophile", "paedophile", "pedophilia", "paedophilia", "pedófilo", "pédophile",
    "pädophil*", "педофил*", "恋童", "萝莉控", "ロリコン", "ショタコン", "児童ポルノ",
)  # fmt: skip
SEXUAL_TERMS = (
    "nude", "nudes", "nudity", "naked", "nsfw", "sex", "sexual", "sexualised", "sexualized",
    "sexy", "porn", "porno", "pornographic", "pornography", "erotic", "erotica", "hentai",
    "lewd", "topless", "bottomless", "lingerie", "genitals", "genitalia", "orgasm", "fetish",
    "seductive", "spread legs", "undressed", "undressing", "striptease", "no clothes",
    "without clothes",
    # es
    "desnuda", "desnudas", "desnudo", "desnudos", "sexo", "pornografía", "erótica",
    "erótico", "lencería", "sin ropa",
    # fr
    "nue", "nues", "toute nue", "tout nu", "sexe", "sexuel", "sexuelle", "érotique",
    "pornographique", "déshabillée", "seins nus",
    # de
    "nackt", "nackte", "nackten", "nackter", "nacktfoto*", "sexuell*", "erotisch*",
    "pornografisch*", "unbekleidet*", "oben ohne",
    # ru
    "голая", "голый", "голые", "голую", "голой", "обнаж*", "секс", "сексуальн*", "эрот*",
    "порн*", "раздет*", "нагая", "нагой",
    # zh
    "裸体", "裸照", "全裸", "裸露", "色情", "性爱", "做爱", "一丝不挂", "脱光", "情色",
    "性感", "无码",
    # ja
    "裸体", "ヌード", "エロ", "セックス", "ポルノ", "エッチ", "性的", "裸の", "半裸",
    "無修正",
)  # fmt: skip
CLOTHING_TERMS = (
    "clothes", "clothing", "clothed", "underwear", "panties", "swimsuit", "bikini",
    "ropa", "vêtements", "kleidung", "одежда", "衣服", "服",
)  # fmt: skip
SEXUAL_VIOLENCE_TERMS = (
    "rape", "raped", "rapes", "raping", "rapist", "rapists", "sexual assault",
    "sexually assaulted", "sexually assaulting", "non consensual", "nonconsensual", "noncon",
    "molest*", "forced sex", "sex slave", "sex slaves", "forced himself on her",
    "forced herself on him", "forced himself on him", "didn t consent", "without her consent",
    "without his consent",
    # es
    "violación", "violada", "violadas", "violar", "violador", "violadores", "abuso sexual",
    "agresión sexual", "no consentido", "no consensuado",
    # fr
    "violée", "violées", "violer", "violeur", "violeurs", "agression sexuelle",
    "abus sexuel", "non consenti*",
    # de
    "vergewaltig*", "sexueller missbrauch", "sexuelle gewalt", "sexuelle nötigung",
    # ru
    "изнасил*", "насильник*", "сексуальное насилие",
    # zh
    "强奸", "强暴", "轮奸", "迷奸", "性侵", "奸淫",
    # ja
    "強姦", "レイプ", "輪姦", "陵辱", "凌辱", "性的暴行",
)  # fmt: skip
GORE_TERMS = (
    "gore", "gory", "disembowel*", "dismember*", "decapitat*", "eviscerat*", "mutilat*",
    "flayed", "flaying", "entrails", "severed head", "severed heads", "severed limb",
    "severed limbs", "spilled guts", "spilling guts", "guts spilling", "exposed organs",
    "exposed intestines", "snuff film", "snuff films", "torture porn", "guts hanging out",
    "body cut in half",
    # es
    "descuartizad*", "desmembrad*", "decapitad*", "mutilad*", "cabeza cortada",
    "cabezas cortadas", "tripas de fuera", "vísceras",
    # fr
    "démembr*", "décapité*", "éviscér*", "mutilé", "mutilée", "mutilés", "tête coupée",
    "têtes coupées", "entrailles", "viscères",
    # de
    "zerstückel*", "enthauptet*", "verstümmel*", "ausgeweidet*", "eingeweide",
    "abgetrennter kopf", "abgetrennte köpfe",
    # ru
    "расчлен*", "обезглав*", "изуродован*", "кишки", "внутренности", "отрубленн*",
    "кровищ*",
    # zh
    "血腥", "断头", "斩首", "肢解", "分尸", "内脏外露", "开膛破肚", "碎尸", "砍头",
    # ja
    "グロ画像", "グロい", "猟奇", "斬首", "バラバラ死体", "臓物", "はらわた", "内臓が飛び出",
)  # fmt: skip
GORE_ALLOW = (
    "gore tex", "goretex", "al gore", "gore vidal", "lesley gore", "gore skirt", "血腥玛丽",
)  # fmt: skip
SWASTIKA_TERMS = (
    "swastika", "swastikas", "esvástica", "esvásticas", "svástica", "croix gammée",
    "croix gammées", "свастик*", "纳粹万字", "纳粹标志", "卐",
)  # fmt: skip
RELIGIOUS_CONTEXT = (
    "hindu", "hinduism", "buddhist", "buddhism", "jain", "jainism", "manji", "diwali",
    "sanskrit", "temple", "mandala", "hindú", "budista", "templo", "hindou", "bouddhiste",
    "tempel", "индуист*", "буддий*", "храм",
)  # fmt: skip
HATE_TERMS = (
    "hakenkreuz", "sieg heil", "heil hitler", "nazi flag", "nazi flags", "nazi salute",
    "nazi propaganda", "nazi rally", "nazi banner", "nazi banners", "neo nazi", "neo nazis",
    "neonazi", "ku klux klan",
    "kkk", "white power", "white supremacy", "white supremacist", "1488", "sonnenrad",
    "ss runes", "ss bolts", "isis flag", "isis propaganda", "jihadist propaganda",
    # es
    "saludo nazi", "bandera nazi", "propaganda nazi", "supremacía blanca", "neonazis",
    # fr
    "salut nazi", "drapeau nazi", "propagande nazie", "suprémacisme blanc",
    "suprémaciste blanc",
    # de
    "hitlergruß", "hitlergruss", "nazi flagge", "hakenkreuzflagge", "ns propaganda",
    "reichskriegsflagge",
    # ru
    "зиг хайль", "хайль гитлер", "нацистский флаг", "нацистское приветствие",
    "нацистская пропаганда", "неонацист*",
    # zh
    "纳粹旗", "纳粹礼", "纳粹宣传", "希特勒万岁", "三k党", "白人至上",
    # ja
    "ナチス式敬礼", "ナチス旗", "ハイルヒトラー", "ハーケンクロイツ", "白人至上主義",
)  # fmt: skip
DEEPFAKE_TERMS = (
    "deepfake", "deepfakes", "deep fake", "deep fakes", "faceswap", "face swap",
    "face swapped", "nudify", "nudified", "undress her", "undress him", "undress them",
    "remove her clothes", "remove his clothes", "take off her clothes",
    "intercambio de caras", "quítale la ropa", "hypertrucage", "échange de visage",
    "enlève ses vêtements", "gesichtstausch", "zieh sie aus", "дипфейк*", "подмена лица",
    "раздень её", "раздень ее", "换脸", "深度伪造", "一键脱衣", "ai脱衣", "ディープフェイク",
    "顔交換", "顔すげ替え", "脱衣ai",
)  # fmt: skip
PRIVATE_PERSON_TERMS = (
    "my ex", "my ex girlfriend", "my ex boyfriend", "my ex wife", "my ex husband",
    "my girlfriend", "my boyfriend", "my wife", "my husband", "my crush", "my coworker",
    "my co worker", "my colleague", "my classmate", "my neighbour", "my neighbor", "my boss",
    "my teacher", "my student", "my roommate", "my flatmate", "my friend", "my friends",
    "my sister", "my brother", "my stepsister", "my stepbrother", "my cousin", "my mom",
    "my mum", "my mother", "my stepmom", "my daughter", "my son",
    "from my street", "on my street", "from my school", "from my class", "from my office",
    "from my work", "at my work", "from my gym", "lives next door", "who lives next door",
    "mi ex", "mi novia", "mi esposa", "mi vecina", "mi compañera", "mi jefa",
    "mon ex", "ma copine", "ma femme", "ma voisine", "ma collègue",
    "meine ex", "meine freundin", "meine frau", "meine nachbarin", "meine kollegin",
    "моя бывшая", "мою бывшую", "моя девушка", "мою девушку", "моя жена", "мою жену",
    "моя соседка", "мою соседку", "我的前女友", "我前女友", "我老婆", "我的女朋友",
    "我女朋友", "我的同事", "元カノ", "元彼女", "私の妻", "同僚の",
)  # fmt: skip
REAL_PERSON_TERMS = (
    "celebrity", "celebrities", "pop star", "politician", "politicians", "the president",
    "prime minister", "a senator", "news anchor", "a real person", "real people",
    "influencer", "youtuber", "tiktoker",
    "actriz famosa", "actor famoso", "una famosa", "político", "política real",
    "actrice célèbre", "acteur célèbre", "une célébrité", "politicien", "politicienne",
    "berühmte schauspielerin", "berühmter schauspieler", "promi", "politiker", "politikerin",
    "известная актриса", "знаменит*", "политик", "президент", "明星", "女明星", "女演员",
    "政治家", "名人", "总统", "有名な女優", "女優", "芸能人", "大統領",
)  # fmt: skip
REAL_PERSON_PATTERNS = (
    r"(?:famous|real|living|well known|popular|hollywood|bollywood|k pop|a list)(?: \w+){0,2}"
    r" (?:actress|actresses|actor|actors|singer|singers|celebrity|politician|athlete"
    r"|model|influencer|streamer|youtuber|star|president|senator|anchor)",
)
DEFAMATORY_TERMS = (
    "arrested", "in handcuffs", "handcuffed", "mugshot", "in prison", "behind bars",
    "in jail", "snorting cocaine", "doing drugs", "smoking crack", "taking a bribe",
    "taking bribes", "passed out drunk", "committing a crime", "shoplifting", "urinating",
    "detenido", "detenida", "esposado", "esposada", "en la cárcel", "arrêté", "arrêtée",
    "menotté", "menottée", "en prison", "verhaftet", "in handschellen", "im gefängnis",
    "арестован*", "в наручниках", "в тюрьме", "被捕", "戴手铐", "坐牢", "吸毒", "逮捕",
    "手錠", "刑務所",
)  # fmt: skip
REMOVE_VERBS = (
    r"(?:remove|removing|erase|erasing|strip|stripping|delete|deleting|crop out|cropping out"
    r"|get rid of|clean off|hide|hiding|bypass|bypassing|defeat|defeating|forge|forging|fake|"
    r"faking)"
)
MARKS = (
    r"(?:watermark|watermarks|c2pa|content credentials|provenance|ai label|ai labels"
    r"|ai marking|signature|signatures)"
)
REMOVE_MARK_PATTERNS = (
    r"(?:watermark|watermarks|c2pa|content credentials) (?:disappear|disappears|vanish|go away)",
    r"without (?:the |any |its )?(?:c2pa|content credentials)",
)
REMOVE_MARK_TERMS = (
    "watermark remover", "watermark removal", "unwatermarked", "dewatermark",
    "quitar la marca de agua", "quita la marca de agua", "eliminar la marca de agua",
    "borrar la marca de agua", "supprimer le filigrane", "enlever le filigrane",
    "enlève le filigrane", "wasserzeichen entfernen", "wasserzeichen entfernt",
    "entferne das wasserzeichen", "удалить водяной знак", "убрать водяной знак",
    "убери водяной знак", "удали водяной знак", "去水印", "去除水印", "删除水印", "去掉水印",
    "透かしを消", "透かし除去", "透かしを削除", "ウォーターマーク除去",
)  # fmt: skip
SIGNATURE_TERMS = (
    "forged signature", "fake signature", "faked signature", "signed by", "copy the signature",
    "copy his signature", "copy her signature", "signature of", "with the signature",
    "artist s signature", "artists signature", "forged autograph",
    "firmado por", "firmada por", "con la firma de", "firma falsa", "firma falsificada",
    "signé par", "signée par", "avec la signature de", "fausse signature",
    "signature falsifiée", "signiert von", "unterschrieben von", "mit der signatur von",
    "mit der unterschrift von", "gefälschte signatur", "gefälschte unterschrift",
    "с подписью", "подпись художника", "поддельная подпись", "подписано", "подписанн*",
    "的签名", "伪造签名", "假签名", "サイン入り", "署名入り", "のサイン", "偽のサイン",
)  # fmt: skip
# "<Name>'s signature" (folded: "monet s signature"), but not a chef's signature dish.
SIGNATURE_PATTERNS = (
    r"\w+ s (?:signature|autograph)(?! (?:dish|dishes|drink|drinks|cocktail|cocktails|scent"
    r"|move|moves|look|looks|style|sound|dress|colou?r|flavou?r|pose|collection|series|line"
    r"|menu|sauce|recipe|smile|song|step|steps|blend|product|item|piece)\b)",
)
SIGNATURE_WORDS = (
    "signature", "signatures", "signed", "autograph", "autographed", "firma", "firmado",
    "signé", "signée", "signatur", "unterschrift", "signiert", "подпись", "подписью",
    "签名", "落款", "サイン", "署名",
)  # fmt: skip
