"""Creator styles: a private recipe (template with a {prompt} slot, negative prompt, engine,
size, steps, guidance, LoRA adapters) that buyers commission in. Every edit is a new immutable
version whose hash (sha256 of the recipe's canonical JSON) is recorded with each piece made in
it."""

import hashlib
import json
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import transaction

from core.errors import ApplicationError, PermissionDeniedError
from generation.engines import GenerationRequest
from generation.hooks import StyleTierChosen, style_tier_chosen
from generation.models import (
    PROMPT_SLOT,
    GenerationJob,
    PromptSource,
    Style,
    StyleEvent,
    StyleStatus,
    StyleVersion,
)
from generation.services.adapters import (
    AdapterUpload,
    adapter_files_delete,
    adapter_key,
    adapters_attach,
    adapters_check,
)
from generation.services.engines import engine_spec
from generation.services.jobs import JobSpec, job_create
from generation.services.prompt_reviews import prompt_screen

User = get_user_model()

MAX_SAMPLES = 4
DEFAULT_SAMPLE_PROMPTS = ("a lighthouse on a cliff", "a quiet forest path", "a city at night")
PROBE_PROMPT = "a sample subject"


@dataclass(frozen=True)
class StyleRecipe:
    """What a style makes: the template with its {prompt} slot and the engine settings. The
    one value the form, the services and the tests hand to `style_create` and
    `style_publish_version`."""

    prompt_template: str
    width: int
    height: int
    negative_prompt: str = ""
    steps: int | None = None
    guidance: float | None = None
    engine: str | None = None
    adapters: tuple[AdapterUpload, ...] = field(default=(), compare=False)


def style_params_sha256(params: dict) -> str:
    canonical = json.dumps(params, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _record(style: Style, *, from_status: str, actor: User | None, message: str = "") -> None:
    StyleEvent.objects.create(
        style=style, from_status=from_status, to_status=style.status, actor=actor, message=message
    )


def _check_tier(tier_code: str) -> None:
    """Licensing knows the tiers: it refuses an unknown or exclusive one."""
    style_tier_chosen.call(StyleTierChosen(tier_code=tier_code))


def _lock_own_style(style: Style, user: User) -> Style:
    if style.creator_id != user.pk:
        raise PermissionDeniedError("This is not your style.")
    return Style.objects.select_for_update().get(pk=style.pk)


def _screen_recipe(
    *, user: User, recipe: StyleRecipe, sample_prompts, style: Style | None = None
) -> None:
    """The prompt policy sees the recipe (its {prompt} slot left empty) and each sample
    prompt before anything is written, so a refused one leaves only its review row. An
    existing style brings in the names protected only in it."""
    prompt_screen(
        user=user,
        prompt=recipe.prompt_template.replace(PROMPT_SLOT, " "),
        negative_prompt=recipe.negative_prompt,
        source=PromptSource.STYLE,
        field="prompt_template",
        style=style,
    )
    for sample in [p for p in sample_prompts if p.strip()][:MAX_SAMPLES]:
        prompt_screen(
            user=user,
            prompt=sample,
            source=PromptSource.STYLE,
            field="sample_prompts",
            style=style,
        )


def style_create(
    *,
    creator: User,
    title: str,
    description: str = "",
    price_amount: int,
    tier_code: str = "standard",
    recipe: StyleRecipe,
    sample_prompts: tuple[str, ...] | list[str] = (),
) -> Style:
    """A new style, published with its first version (and its sample jobs queued)."""
    if not creator.is_creator:
        raise PermissionDeniedError("Only creators can publish styles.")
    _screen_recipe(user=creator, recipe=recipe, sample_prompts=sample_prompts)
    with transaction.atomic():
        _check_tier(tier_code)
        style = Style(
            creator=creator,
            title=title.strip(),
            description=description.strip(),
            price_amount=price_amount,
            tier_code=tier_code,
            status=StyleStatus.DRAFT,
        )
        style.full_clean()
        style.save(force_insert=True)
        _record(style, from_status="", actor=creator)
        style_publish_version(
            style=style, actor=creator, recipe=recipe, sample_prompts=sample_prompts
        )
        style.refresh_from_db()
        return style


def _next_version(style: Style, recipe: StyleRecipe) -> StyleVersion:
    """The recipe checked against its engine, as the style's next (unsaved) version."""
    prompt_template = recipe.prompt_template.strip()
    if prompt_template.count(PROMPT_SLOT) != 1:
        raise ApplicationError(
            "The template needs exactly one {prompt} slot for the buyer's text.",
            field="prompt_template",
        )
    try:
        spec = engine_spec(recipe.engine)
    except ValueError as error:
        raise ApplicationError(str(error), field="engine") from None
    probe = GenerationRequest(
        prompt=prompt_template.replace(PROMPT_SLOT, PROBE_PROMPT),
        negative_prompt=recipe.negative_prompt.strip(),
        width=recipe.width,
        height=recipe.height,
        steps=recipe.steps,
        guidance=recipe.guidance,
    )
    try:
        spec.validate(probe)
    except ValueError as error:
        raise ApplicationError(str(error)) from None
    last = style.versions.order_by("-number").values_list("number", flat=True).first() or 0
    return StyleVersion(
        style=style,
        number=last + 1,
        engine=spec.name,
        prompt_template=prompt_template,
        negative_prompt=recipe.negative_prompt.strip(),
        width=recipe.width,
        height=recipe.height,
        steps=spec.resolve_steps(probe),
        guidance=recipe.guidance,
    )


def style_publish_version(
    *,
    style: Style,
    actor: User,
    recipe: StyleRecipe,
    sample_prompts: tuple[str, ...] | list[str] = (),
) -> StyleVersion:
    """Edit the recipe = publish version + 1. Past versions (and jobs) keep theirs."""
    if style.creator_id != actor.pk:
        raise PermissionDeniedError("This is not your style.")
    _screen_recipe(user=actor, recipe=recipe, sample_prompts=sample_prompts, style=style)
    written: list[str] = []
    try:
        return _publish_version(style, actor, recipe, sample_prompts, written)
    except BaseException:
        adapter_files_delete(written)  # their rows were rolled back with the version
        raise


@transaction.atomic
def _publish_version(style, actor, recipe, sample_prompts, written: list[str]) -> StyleVersion:
    style = _lock_own_style(style, actor)
    if style.status == StyleStatus.WITHDRAWN:
        raise ApplicationError("This style was withdrawn; create a new style instead.")
    version = _next_version(style, recipe)
    checked = adapters_check(uploads=recipe.adapters, engine=version.engine)
    version.adapter_key = adapter_key((a.sha256, a.upload.scale) for a in checked)
    version.params_sha256 = style_params_sha256(version.params())
    version.full_clean()
    version.save(force_insert=True)
    adapters_attach(version=version, checked=checked, written=written)
    previous = style.status
    style.status = StyleStatus.PUBLISHED
    style.save(update_fields=["status", "updated_at"])
    message = f"version {version.number}"
    message += f" with {len(checked)} LoRA adapter(s)" if checked else ""
    _record(style, from_status=previous, actor=actor, message=message)
    prompts = [p.strip() for p in sample_prompts if p.strip()] or list(DEFAULT_SAMPLE_PROMPTS)
    for prompt in prompts[:MAX_SAMPLES]:
        job_create(owner=actor, spec=JobSpec.in_style(version, prompt=prompt))
    return version


@transaction.atomic(durable=True)
def style_withdraw(*, style: Style, actor: User, reason: str = "") -> Style:
    """No new commissions; paid ones and past versions stay valid and reproducible."""
    return _withdraw(_lock_own_style(style, actor), actor=actor, reason=reason)


@transaction.atomic
def style_withdraw_by_moderator(*, style: Style, moderator: User, reason: str) -> Style:
    """A moderator's remedy (e.g. on an artist's claim), inside the caller's transaction."""
    if not moderator.is_moderator:
        raise PermissionDeniedError("Only moderators can withdraw another creator's style.")
    if not reason.strip():
        raise ApplicationError("Say why the style is withdrawn.", field="reason")
    style = Style.objects.select_for_update().get(pk=style.pk)
    return _withdraw(style, actor=moderator, reason=reason)


def _withdraw(style: Style, *, actor: User, reason: str) -> Style:
    if style.status == StyleStatus.WITHDRAWN:
        return style
    previous = style.status
    style.status = StyleStatus.WITHDRAWN
    style.save(update_fields=["status", "updated_at"])
    _record(style, from_status=previous, actor=actor, message=reason.strip()[:300])
    return style


def style_version_for_commission(*, style: Style, buyer: User) -> StyleVersion:
    """The version a new commission uses; refuses withdrawn styles and one's own style."""
    if style.creator_id == buyer.pk:
        raise ApplicationError("You cannot commission your own style.", code="own_style")
    if style.status != StyleStatus.PUBLISHED:
        raise ApplicationError(
            "This style is not available for commissions.", code="style_unavailable"
        )
    version = style.current_version
    if version is None:  # pragma: no cover - a published style always has a version
        raise ApplicationError("This style has no recipe yet.", code="style_unavailable")
    return version


def style_licence_summary(*, job: GenerationJob) -> str:
    """Who owns what, written into each styled piece's provenance (max 300 characters)."""
    version = job.style_version
    style = version.style
    text = (
        f'Commissioned by {job.owner.public_name} in the style "{style.title}" (v'
        f"{version.number}) by {style.creator.public_name}. The style stays the creator's; "
        "use of this image is licensed to the commissioner per their certificate."
    )
    return text if len(text) <= 300 else text[:297] + "..."
