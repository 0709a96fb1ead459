"""Input shape of a style and its recipe; engine rules are checked by the service."""

from django import forms

from generation.engines import parse_size
from generation.engines.base import MAX_NEGATIVE_PROMPT_CHARS, MAX_PROMPT_CHARS
from generation.services.engines import engine_spec
from generation.services.styles import StyleRecipe


class StyleRecipeForm(forms.Form):
    prompt_template = forms.CharField(
        max_length=MAX_PROMPT_CHARS,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Must contain {prompt} once; the buyer's text goes there. Private to you.",
    )
    negative_prompt = forms.CharField(
        max_length=MAX_NEGATIVE_PROMPT_CHARS,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    size = forms.ChoiceField()
    steps = forms.IntegerField(required=False)
    sample_prompts = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One per line (up to 4): rendered in the style for your public gallery.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        spec = engine_spec()
        self.fields["size"].choices = [(f"{w}x{h}", f"{w} × {h}") for w, h in spec.supported_sizes]

    def recipe_kwargs(self) -> dict:
        data = self.cleaned_data
        width, height = parse_size(data["size"])
        recipe = StyleRecipe(
            prompt_template=data["prompt_template"],
            negative_prompt=data["negative_prompt"],
            width=width,
            height=height,
            steps=data["steps"],
        )
        samples = [p for p in data["sample_prompts"].splitlines() if p.strip()]
        return {"recipe": recipe, "sample_prompts": samples}


class StyleCreateForm(StyleRecipeForm):
    title = forms.CharField(max_length=120)
    description = forms.CharField(max_length=2000, required=False, widget=forms.Textarea)
    price = forms.DecimalField(min_value=0, max_digits=9, decimal_places=2, label="Price per image")
    tier_code = forms.ChoiceField(
        label="Licence included",
        choices=[("personal", "Personal"), ("standard", "Standard"), ("extended", "Extended")],
        initial="standard",
    )

    field_order = ["title", "description", "price", "tier_code"]

    def create_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "title": data["title"],
            "description": data["description"],
            "price_amount": int(data["price"] * 100),
            "tier_code": data["tier_code"],
            **self.recipe_kwargs(),
        }
