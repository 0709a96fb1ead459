from django.urls import path

from generation.views import jobs, pieces, prompt_reviews, styles, uploads

urlpatterns = [
    path("commission/", jobs.commission, name="commission"),
    path(
        "commission/from-picture/",
        uploads.commission_from_picture,
        name="commission_from_picture",
    ),
    path("jobs/", jobs.job_list, name="job_list"),
    path("jobs/<uuid:job_id>/", jobs.job_detail, name="job_detail"),
    path("jobs/<uuid:job_id>/status/", jobs.job_status, name="job_status"),
    path("jobs/<uuid:job_id>/cancel/", jobs.job_cancel_view, name="job_cancel"),
    path("jobs/<uuid:job_id>/retry/", jobs.job_retry_view, name="job_retry"),
    path("api/jobs/<uuid:job_id>/", jobs.job_status_json, name="api_job_status"),
    path("pieces/<uuid:piece_id>/pick/", pieces.piece_pick_view, name="piece_pick"),
    path("pieces/<uuid:piece_id>/original/", pieces.piece_original, name="piece_original"),
    path("pieces/<uuid:piece_id>/edit/", pieces.piece_edit, name="piece_edit"),
    path("styles/", styles.style_browse, name="style_browse"),
    path("styles/mine/", styles.my_styles, name="my_styles"),
    path("styles/new/", styles.style_new, name="style_new"),
    path("styles/<uuid:style_id>/", styles.style_detail, name="style_detail"),
    path("styles/<uuid:style_id>/manage/", styles.style_manage, name="style_manage"),
    path("styles/<uuid:style_id>/withdraw/", styles.style_withdraw_view, name="style_withdraw"),
    path("prompts/reviews/", prompt_reviews.my_prompt_reviews, name="my_prompt_reviews"),
    path(
        "prompts/reviews/<uuid:review_id>/",
        prompt_reviews.prompt_review_detail,
        name="prompt_review_detail",
    ),
    path(
        "prompts/reviews/<uuid:review_id>/appeal/",
        prompt_reviews.prompt_review_appeal_view,
        name="prompt_review_appeal",
    ),
    path(
        "moderation/prompts/",
        prompt_reviews.moderation_prompt_queue,
        name="moderation_prompt_queue",
    ),
    path(
        "moderation/prompts/<uuid:review_id>/",
        prompt_reviews.moderation_prompt_review,
        name="moderation_prompt_review",
    ),
    path(
        "moderation/prompts/<uuid:review_id>/decide/",
        prompt_reviews.moderation_prompt_decide,
        name="moderation_prompt_decide",
    ),
]
