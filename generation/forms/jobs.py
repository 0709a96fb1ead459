"""Input shape of a commission; engine rules are checked by the service."""

import django_filters
from django import forms

from generation.engines import MAX_PROMPT_CHARS, MAX_SEED, parse_size
from generation.models import MAX_IMAGES_PER_JOB, GenerationJob, JobStatus
from generation.services.engines import engine_spec, engine_specs
from generation.services.jobs import JobSpec


class CommissionForm(forms.Form):
    prompt = forms.CharField(
        max_length=MAX_PROMPT_CHARS,
        widget=forms.Textarea(
            attrs={"rows": 3, "placeholder": "a lighthouse on a cliff at sunset, watercolor"}
        ),
        help_text="Describe subject, mood, colours and style.",
    )
    negative_prompt = forms.CharField(
        max_length=MAX_PROMPT_CHARS,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "blue, text, people"}),
        help_text="What to keep out of the image.",
    )
    engine = forms.ChoiceField()
    size = forms.ChoiceField(help_text="Width × height in pixels.")
    count = forms.IntegerField(min_value=1, max_value=MAX_IMAGES_PER_JOB, initial=4)
    steps = forms.IntegerField(required=False, help_text="Leave empty for the engine default.")
    seed = forms.IntegerField(
        min_value=0,
        max_value=MAX_SEED,
        required=False,
        help_text="Leave empty for a random seed; the same seed and prompt give the same image.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        specs = engine_specs()
        default = engine_spec()
        self.fields["engine"].choices = [(spec.name, spec.label) for spec in specs]
        self.fields["engine"].initial = default.name
        if len(specs) == 1:
            self.fields["engine"].widget = forms.HiddenInput()
        sizes = sorted({size for spec in specs for size in spec.supported_sizes})
        self.fields["size"].choices = [(f"{w}x{h}", f"{w} × {h}") for w, h in sizes]
        self.fields["size"].initial = "512x512"
        self.fields["steps"].widget.attrs.update(min=default.min_steps, max=default.max_steps)
        self.fields[
            "steps"
        ].help_text = (
            f"{default.min_steps}–{default.max_steps}; empty means {default.default_steps}."
        )

    @classmethod
    def initial_from_query(cls, query) -> dict:
        """Pre-fill from GET (e.g. "commission similar" on a listing); bad values are dropped,
        the form still validates everything on submit."""
        initial = {}
        for name in ("prompt", "negative_prompt"):
            value = query.get(name, "").strip()
            if value:
                initial[name] = value[:MAX_PROMPT_CHARS]
        size = query.get("size", "")
        sizes = {f"{w}x{h}" for spec in engine_specs() for w, h in spec.supported_sizes}
        if size in sizes:
            initial["size"] = size
        return initial

    def clean_size(self) -> tuple[int, int]:
        try:
            return parse_size(self.cleaned_data["size"])
        except ValueError as error:
            raise forms.ValidationError(str(error)) from None

    def job_spec(self) -> JobSpec:
        data = self.cleaned_data
        width, height = data["size"]
        return JobSpec(
            prompt=data["prompt"],
            negative_prompt=data["negative_prompt"],
            engine=data["engine"],
            width=width,
            height=height,
            count=data["count"],
            steps=data["steps"],
            seed=data["seed"],
        )


class JobFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=JobStatus.choices, empty_label="Any status")
    q = django_filters.CharFilter(field_name="prompt", lookup_expr="icontains", label="Prompt")
    engine = django_filters.CharFilter(field_name="engine")
    created_after = django_filters.DateFilter(field_name="created_at", lookup_expr="date__gte")

    class Meta:
        model = GenerationJob
        fields = ["status", "q", "engine", "created_after"]
