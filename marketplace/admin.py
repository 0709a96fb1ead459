from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.core.exceptions import ValidationError

from marketplace.models import AccountEvent, User


class AccountEventInline(admin.TabularInline):
    model = AccountEvent
    fk_name = "user"
    extra = 0
    can_delete = False
    readonly_fields = ("kind", "actor", "data", "created_at")

    def has_add_permission(self, request, obj=None):
        return False


class UserAdminCreationForm(AdminUserCreationForm):
    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ("email",)


class UserAdminChangeForm(UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User
        fields = "__all__"

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("is_moderator") and not cleaned.get("is_staff"):
            raise ValidationError("Moderators must also have staff status.")
        if cleaned.get("is_creator") and not (
            cleaned.get("creator_since") or self.instance.creator_since
        ):
            raise ValidationError("Use the creator onboarding page to make someone a creator.")
        return cleaned


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = UserAdminChangeForm
    add_form = UserAdminCreationForm
    ordering = ("email",)
    list_display = (
        "email",
        "display_name",
        "is_creator",
        "is_moderator",
        "is_active",
        "date_joined",
    )
    list_filter = ("is_creator", "is_moderator", "is_staff", "is_active")
    search_fields = ("email", "display_name")
    readonly_fields = ("last_login", "date_joined", "creator_since")
    inlines = [AccountEventInline]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Profile", {"fields": ("display_name", "bio", "avatar")}),
        ("Roles", {"fields": ("is_creator", "creator_since", "is_moderator")}),
        (
            "Permissions",
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)
