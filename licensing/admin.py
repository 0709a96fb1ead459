"""Admin. Tiers are editable, terms versions are published through the service and never
edited, grants are revoked with a reason through the service."""

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html

from core.admin import ReadOnlyAdmin
from core.forms import IdField
from licensing.forms import GrantRevokeForm
from licensing.models import (
    Certificate,
    ExclusiveHold,
    GrantEvent,
    ImmutableError,
    LicenceGrant,
    ListingOffer,
    TermsVersion,
    Tier,
)
from licensing.services.grants import licence_grant_revoke
from licensing.services.terms import terms_publish_new_version


class TermsVersionInline(admin.TabularInline):
    model = TermsVersion
    fields = ("version", "summary", "sha256", "created_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Tier)
class TierAdmin(admin.ModelAdmin):
    """Name, order and availability only: what a tier allows lives in its terms versions."""

    list_display = ("code", "name", "rank", "exclusive", "is_active")
    list_editable = ("is_active",)
    inlines = [TermsVersionInline]

    def get_readonly_fields(self, request, obj=None):
        return ("code", "exclusive") if obj is not None else ()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(TermsVersion)
class TermsVersionAdmin(admin.ModelAdmin):
    """Add = publish the next version (service); saved versions are read-only. "New version"
    on a saved one opens the add form pre-filled with its text."""

    list_display = ("tier", "version", "sha256", "created_at", "created_by")
    list_filter = ("tier",)
    search_fields = ("sha256", "body")
    fields = (
        "tier",
        "version",
        "summary",
        "body",
        "commercial",
        "max_copies",
        "merchandise",
        "derivatives",
        "derivative_resale",
        "indemnity_amount",
        "indemnity_currency",
        "transfers_copyright",
        "sha256",
        "created_by",
        "created_at",
        "new_version_link",
    )
    COPIED = (
        "summary",
        "body",
        "commercial",
        "max_copies",
        "merchandise",
        "derivatives",
        "derivative_resale",
        "indemnity_amount",
        "indemnity_currency",
        "transfers_copyright",
    )

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ("version", "sha256", "created_by", "created_at", "new_version_link")
        return self.fields

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="Edit")
    def new_version_link(self, obj):
        if obj is None or obj.pk is None:
            return "-"
        url = reverse("admin:licensing_termsversion_add") + f"?from={obj.pk}"
        return format_html('<a href="{}">Publish a new version based on this one</a>', url)

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        try:
            source_id = IdField().clean(request.GET.get("from"))
        except ValidationError:  # absent or not an id: a blank form, not a 500
            source_id = None
        source = TermsVersion.objects.filter(pk=source_id).first() if source_id else None
        if source is not None:
            initial.update({name: getattr(source, name) for name in self.COPIED})
            initial["tier"] = source.tier_id
        return initial

    def save_model(self, request, obj, form, change):
        if change:
            raise ImmutableError("Terms versions are immutable.")
        data = form.cleaned_data
        published = terms_publish_new_version(
            tier=data["tier"],
            actor=request.user,
            **{name: data[name] for name in self.COPIED},
        )
        obj.pk, obj.version, obj.sha256 = published.pk, published.version, published.sha256
        obj._state.adding = False


@admin.register(ListingOffer)
class ListingOfferAdmin(ReadOnlyAdmin):
    list_display = ("listing", "tier", "price_amount", "currency", "updated_at")
    list_filter = ("tier",)
    raw_id_fields = ("listing",)


@admin.register(ExclusiveHold)
class ExclusiveHoldAdmin(ReadOnlyAdmin):
    list_display = ("listing", "buyer", "order_ref", "expires_at")
    raw_id_fields = ("listing", "buyer")


class GrantEventInline(admin.TabularInline):
    model = GrantEvent
    fields = ("created_at", "from_status", "to_status", "actor", "reason")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(LicenceGrant)
class LicenceGrantAdmin(ReadOnlyAdmin):
    list_display = ("id", "tier", "listing", "licensee", "status", "price_amount", "issued_at")
    list_filter = ("status", "tier")
    search_fields = ("id", "licensee__email", "listing__title", "order_ref", "terms_sha256")
    raw_id_fields = ("listing", "piece", "licensee", "order_line", "terms")
    date_hierarchy = "issued_at"
    inlines = [GrantEventInline]
    actions = ["revoke_with_reason"]

    def has_change_permission(self, request, obj=None):
        return obj is None and request.user.is_staff  # the list (for actions), not the form

    @admin.action(description="Revoke selected licences (asks for a reason)")
    def revoke_with_reason(self, request, queryset):
        form = GrantRevokeForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            revoked = 0
            for grant in queryset:
                before = grant.status
                grant = licence_grant_revoke(
                    grant=grant, reason=form.cleaned_data["reason"], actor=request.user
                )
                revoked += before != grant.status
            self.message_user(request, f"Revoked {revoked} licence(s).", messages.SUCCESS)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Revoke licences",
            "opts": self.model._meta,
            "grants": queryset,
            "form": form,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/licensing/licencegrant/revoke.html", context)


@admin.register(Certificate)
class CertificateAdmin(ReadOnlyAdmin):
    list_display = ("id", "grant", "created_at")
    search_fields = ("id", "grant__id")
    raw_id_fields = ("grant",)
