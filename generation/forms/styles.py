"""Input shape of a style and its recipe; engine rules are checked by the service."""

from pathlib import PurePath

from django import forms

from core.forms import MoneyField, minor_units
from generation.engines import parse_size
from generation.engines.base import MAX_NEGATIVE_PROMPT_CHARS, MAX_PROMPT_CHARS
from generation.services.adapters import MAX_ADAPTERS, AdapterUpload
from generation.services.engines import engine_spec
from generation.services.styles import StyleRecipe


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class AdapterFilesField(forms.FileField):
    """Several .safetensors files in one input (Django's documented pattern). Only the name
    is checked here; the service reads each header and checks it against the model."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".safetensors"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else [data] if data else []
        files = [super(AdapterFilesField, self).clean(item, initial) for item in files]
        if len(files) > MAX_ADAPTERS:
            raise forms.ValidationError(f"Attach at most {MAX_ADAPTERS} adapters.")
        for file in files:
            if PurePath(file.name).suffix.lower() != ".safetensors":
                raise forms.ValidationError(
                    f"{file.name}: only .safetensors files are accepted (pickled .ckpt, .pt "
                    "and .bin files can run code when loaded)."
                )
        return files


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
    adapters = AdapterFilesField(
        required=False,
        label="LoRA adapters",
        help_text=f"Optional, up to {MAX_ADAPTERS} .safetensors LoRA files trained for this "
        "model (diffusers or kohya key names). Private to you; buyers never download them.",
    )
    adapter_scale = forms.FloatField(
        required=False,
        min_value=0.05,
        max_value=2.0,
        initial=1.0,
        label="Adapter strength",
        help_text="How strongly the adapters apply, 0.05 to 2 (default 1).",
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
            adapters=self.adapter_uploads(),
        )
        samples = [p for p in data["sample_prompts"].splitlines() if p.strip()]
        return {"recipe": recipe, "sample_prompts": samples}

    def adapter_uploads(self) -> tuple[AdapterUpload, ...]:
        scale = self.cleaned_data.get("adapter_scale") or 1.0
        return tuple(
            AdapterUpload(name=file.name, file=file, scale=scale)
            for file in self.cleaned_data.get("adapters", [])
        )


class StyleCreateForm(StyleRecipeForm):
    title = forms.CharField(max_length=120)
    description = forms.CharField(max_length=2000, required=False, widget=forms.Textarea)
    price = MoneyField(label="Price per image")
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
            "price_amount": minor_units(data["price"]),
            "tier_code": data["tier_code"],
            **self.recipe_kwargs(),
        }
