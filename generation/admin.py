from django import forms
from django.contrib import admin

from core.admin import ReadOnlyAdmin
from core.errors import ApplicationError
from generation.models import (
    GenerationJob,
    JobEvent,
    Piece,
    PromptReview,
    PromptReviewEvent,
    ProtectedName,
    ProtectedNameEvent,
    StyleAdapter,
    WorkerHeartbeat,
)
from generation.selectors.workers import worker_is_live
from generation.services.protected_names import (
    protected_name_add,
    protected_name_remove,
    protected_name_validate,
)


class JobEventInline(admin.TabularInline):
    model = JobEvent
    extra = 0
    can_delete = False
    readonly_fields = ("from_status", "to_status", "actor", "source", "message", "created_at")

    def has_add_permission(self, request, obj=None):
        return False


class PieceInline(admin.TabularInline):
    model = Piece
    extra = 0
    can_delete = False
    fields = ("id", "index", "seed", "sha256", "picked_at")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(GenerationJob)
class GenerationJobAdmin(admin.ModelAdmin):
    """Read-only: job state changes go through services so they stay audited."""

    list_display = ("prompt_short", "owner", "engine", "status", "attempts", "created_at")
    list_filter = ("status", "engine")
    search_fields = ("prompt", "owner__email", "id")
    list_select_related = ("owner",)
    inlines = [JobEventInline, PieceInline]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    @admin.display(description="Prompt")
    def prompt_short(self, obj):
        return obj.prompt[:60]


class PromptReviewEventInline(admin.TabularInline):
    model = PromptReviewEvent
    extra = 0
    can_delete = False
    readonly_fields = ("from_status", "to_status", "actor", "note", "created_at")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(PromptReview)
class PromptReviewAdmin(admin.ModelAdmin):
    """Read-only: appeals and decisions go through /moderation/prompts/ so they stay audited."""

    list_display = ("prompt_short", "user", "category", "status", "attempts", "created_at")
    list_filter = ("status", "category", "source")
    search_fields = ("prompt", "user__email", "id")
    list_select_related = ("user",)
    inlines = [PromptReviewEventInline]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="Prompt")
    def prompt_short(self, obj):
        return obj.prompt[:60]


@admin.register(StyleAdapter)
class StyleAdapterAdmin(ReadOnlyAdmin):
    """Read-only: adapters come with a published style version and are never edited; the
    admin finds one by its sha256 (e.g. from a provenance record) and shows whose it is."""

    list_display = ("name", "style", "version", "sha256_short", "size", "scale", "created_at")
    search_fields = ("sha256", "name", "style_version__style__title")
    list_select_related = ("style_version__style",)
    fields = ("name", "style", "version", "sha256", "size", "scale", "stored_as", "created_at")
    readonly_fields = fields
    ordering = ("-created_at",)

    @admin.display(description="Style")
    def style(self, obj):
        return obj.style_version.style.title

    @admin.display(description="Version")
    def version(self, obj):
        return obj.style_version.number

    @admin.display(description="sha256")
    def sha256_short(self, obj):
        return obj.sha256[:12]

    @admin.display(description="Stored as")
    def stored_as(self, obj):
        return obj.file.name  # the name only: the file stays private to the workers


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(ReadOnlyAdmin):
    """Read-only: the workers write these rows themselves (generation/services/workers.py)."""

    list_display = (
        "name",
        "live",
        "engines_served",
        "unavailable_reasons",
        "device",
        "last_seen",
        "started_at",
    )
    search_fields = ("name", "host")
    ordering = ("-last_seen",)

    @admin.display(boolean=True, description="Live")
    def live(self, obj):
        return worker_is_live(heartbeat=obj)

    @admin.display(description="Engines")
    def engines_served(self, obj):
        return ", ".join(obj.engines) or "none"

    @admin.display(description="Unavailable")
    def unavailable_reasons(self, obj):
        return "; ".join(f"{name}: {reason}" for name, reason in obj.unavailable.items())


class ProtectedNameEventInline(admin.TabularInline):
    model = ProtectedNameEvent
    extra = 0
    can_delete = False
    readonly_fields = ("from_status", "to_status", "actor", "note", "created_at")

    def has_add_permission(self, request, obj=None):
        return False


class ProtectedNameForm(forms.ModelForm):
    class Meta:
        model = ProtectedName
        fields = ("name", "kind", "style", "note", "active")

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is None and cleaned.get("name") and cleaned.get("kind"):
            try:
                protected_name_validate(name=cleaned["name"], kind=cleaned["kind"])
            except ApplicationError as error:
                self.add_error(error.field, error.message)
        return cleaned


@admin.register(ProtectedName)
class ProtectedNameAdmin(admin.ModelAdmin):
    """Adding, deactivating and reactivating go through the services, so each is a history
    row and the policy's cached list refreshes; a name is never deleted (deactivate it)."""

    form = ProtectedNameForm
    list_display = ("name", "kind", "style", "active", "created_at")
    list_filter = ("kind", "active")
    search_fields = ("name", "normalised", "note")
    list_select_related = ("style",)
    raw_id_fields = ("style",)
    inlines = [ProtectedNameEventInline]
    actions = ["deactivate"]

    def get_readonly_fields(self, request, obj=None):
        return ("normalised", "created_at") + (("name", "kind", "style", "note") if obj else ())

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        if change and not obj.active:
            saved = protected_name_remove(protected_name=obj, actor=request.user)
        else:
            saved = protected_name_add(
                name=obj.name, kind=obj.kind, style=obj.style, note=obj.note, actor=request.user
            )
        obj.pk, obj.active, obj.normalised = saved.pk, saved.active, saved.normalised
        obj._state.adding = False

    @admin.action(description="Stop protecting the selected names")
    def deactivate(self, request, queryset):
        for entry in queryset.filter(active=True):
            protected_name_remove(protected_name=entry, actor=request.user)
