from django.urls import path

from webhooks import views

app_name = "webhooks"

urlpatterns = [
    path("account/webhooks/", views.endpoint_list, name="endpoint_list"),
    path("account/webhooks/<int:endpoint_id>/", views.endpoint_detail, name="endpoint_detail"),
    path(
        "account/webhooks/<int:endpoint_id>/deliveries/",
        views.endpoint_deliveries,
        name="endpoint_deliveries",
    ),
    path("account/webhooks/<int:endpoint_id>/test/", views.endpoint_test, name="endpoint_test"),
    path(
        "account/webhooks/<int:endpoint_id>/active/", views.endpoint_active, name="endpoint_active"
    ),
    path(
        "account/webhooks/<int:endpoint_id>/delete/", views.endpoint_remove, name="endpoint_delete"
    ),
]
