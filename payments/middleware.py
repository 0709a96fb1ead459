"""A site that takes no payments (PAYMENTS_DISABLED) says so on one page, wherever a view
reached for the gateway: checkout, credit, commissions, payouts, the test gateway."""

from django.shortcuts import render

from payments.gateway import PaymentsUnavailable


class PaymentsUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, PaymentsUnavailable):
            return None
        context = {"message": str(exception)}
        return render(request, "payments/unavailable.html", context, status=503)
