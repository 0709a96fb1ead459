from django.urls import path

from payments.views import checkout, credit, payouts, refunds, webhooks

urlpatterns = [
    path("checkout/<uuid:listing_id>/", checkout.checkout_start_view, name="checkout_start"),
    path("checkout/test-gateway/<uuid:order_id>/", checkout.local_pay, name="local_pay"),
    path("orders/", checkout.order_list, name="order_list"),
    path("orders/<uuid:order_id>/", checkout.order_detail, name="order_detail"),
    path("orders/lines/<int:line_id>/refund/", refunds.refund_request_view, name="refund_request"),
    path("refunds/", refunds.refund_requests_review, name="refund_requests_review"),
    path(
        "refunds/<int:request_id>/decide/",
        refunds.refund_request_decide_view,
        name="refund_request_decide",
    ),
    path("payouts/", payouts.payouts, name="payouts"),
    path("credit/", credit.credit, name="credit"),
    path("webhooks/stripe/", webhooks.stripe_webhook, name="stripe_webhook"),
]
