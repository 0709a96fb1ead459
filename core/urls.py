from django.urls import path

from core.views import notifications

app_name = "core"

urlpatterns = [
    path("notifications/", notifications.notification_list, name="notifications"),
]
