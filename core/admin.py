"""Admin bases every app shares."""

from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
    """For rows that change only through their services (ledger, money, history): the admin
    shows them and changes nothing."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
