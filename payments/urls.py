from django.urls import path

from payments import views, views_credit

urlpatterns = [
    path("checkout/<uuid:listing_id>/", views.checkout_start_view, name="checkout_start"),
    path("checkout/test-gateway/<uuid:order_id>/", views.local_pay, name="local_pay"),
    path("orders/", views.order_list, name="order_list"),
    path("orders/<uuid:order_id>/", views.order_detail, name="order_detail"),
    path("orders/lines/<int:line_id>/refund/", views.refund_request_view, name="refund_request"),
    path("refunds/", views.refund_requests_review, name="refund_requests_review"),
    path(
        "refunds/<int:request_id>/decide/",
        views.refund_request_decide_view,
        name="refund_request_decide",
    ),
    path("payouts/", views.payouts, name="payouts"),
    path("credit/", views_credit.credit, name="credit"),
    path("webhooks/stripe/", views.stripe_webhook, name="stripe_webhook"),
]
