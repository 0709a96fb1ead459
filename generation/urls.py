from django.urls import path

from generation.views import jobs, pieces

urlpatterns = [
    path("commission/", jobs.commission, name="commission"),
    path("jobs/", jobs.job_list, name="job_list"),
    path("jobs/<uuid:job_id>/", jobs.job_detail, name="job_detail"),
    path("jobs/<uuid:job_id>/status/", jobs.job_status, name="job_status"),
    path("jobs/<uuid:job_id>/cancel/", jobs.job_cancel_view, name="job_cancel"),
    path("jobs/<uuid:job_id>/retry/", jobs.job_retry_view, name="job_retry"),
    path("api/jobs/<uuid:job_id>/", jobs.job_status_json, name="api_job_status"),
    path("pieces/<uuid:piece_id>/pick/", pieces.piece_pick_view, name="piece_pick"),
    path("pieces/<uuid:piece_id>/original/", pieces.piece_original, name="piece_original"),
]
