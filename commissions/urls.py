from django.urls import path

from commissions.views import commissions as views
from commissions.views import dashboard, references

app_name = "commissions"

urlpatterns = [
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    path("styles/<uuid:style_id>/commission/", views.instant_start, name="instant_start"),
    path("commissions/", views.commission_list, name="list"),
    path("commissions/<uuid:commission_id>/", views.commission_detail, name="detail"),
    path("commissions/line/<int:line_id>/", views.commission_from_line, name="from_line"),
    path("creators/<int:creator_id>/brief/", views.brief_create_view, name="brief_create"),
    path(
        "commissions/<uuid:commission_id>/references/<int:reference_id>/",
        references.reference_image,
        name="reference",
    ),
    path("commissions/<uuid:commission_id>/<slug:action>/", views.brief_action, name="action"),
]
