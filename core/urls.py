from django.urls import path

from core.views import notifications

app_name = "core"

urlpatterns = [
    path("notifications/", notifications.notification_list, name="notifications"),
    path(
        "accounts/notifications/preferences/",
        notifications.notification_preferences,
        name="notification_preferences",
    ),
    path(
        "unsubscribe/<str:token>/",
        notifications.notification_unsubscribe_view,
        name="notification_unsubscribe",
    ),
]
