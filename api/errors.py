"""One JSON shape for every API error: {"code", "message", "field"}, with its status."""

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError

from core.errors import ApplicationError, QuotaExceededError

STATUS_BY_CODE = {
    "invalid": 400,
    "unauthenticated": 401,
    "insufficient_scope": 403,
    "permission_denied": 403,
    "not_found": 404,
    "payment_required": 402,
    "idempotency_conflict": 409,
    "conflict": 409,
    "quota_exceeded": 429,
}

# The last code listed for a status names it (ninja's own HttpErrors carry only a status).
CODE_BY_STATUS = {status: code for code, status in STATUS_BY_CODE.items()}


class ErrorOut(Schema):
    code: str
    message: str
    field: str | None = None


# Every operation documents these, so clients (and schemathesis) know each error's shape.
ERRORS = dict.fromkeys((400, 401, 402, 403, 404, 409, 429), ErrorOut)


def error_response(
    api: NinjaAPI, request: HttpRequest, *, code: str, message: str, field=None, status=None
) -> HttpResponse:
    body = {"code": code, "message": message, "field": field}
    return api.create_response(request, body, status=status or STATUS_BY_CODE.get(code, 400))


def _field_of(location: list) -> str | None:
    """ninja's ["body", "payload", "prompt"] → "prompt"; ["query", "limit"] → "limit"."""
    names = [str(part) for part in location if part not in ("body", "query", "path", "payload")]
    return ".".join(names) or None


def install(api: NinjaAPI) -> None:
    @api.exception_handler(ApplicationError)
    def application_error(request, error: ApplicationError):
        response = error_response(
            api, request, code=error.code, message=error.message, field=error.field
        )
        if isinstance(error, QuotaExceededError):
            response["Retry-After"] = str(error.retry_after)
        return response

    @api.exception_handler(ValidationError)
    def validation_error(request, error: ValidationError):
        first = error.errors[0] if error.errors else {}
        message = first.get("msg", "Invalid request.")
        return error_response(
            api, request, code="invalid", message=message, field=_field_of(first.get("loc", []))
        )

    @api.exception_handler(AuthenticationError)
    def authentication_error(request, error):
        response = error_response(
            api,
            request,
            code="unauthenticated",
            message="Send a personal access token: Authorization: Bearer pf_…",
        )
        response["WWW-Authenticate"] = 'Bearer realm="api"'
        return response

    @api.exception_handler(Http404)
    def not_found(request, error):
        return error_response(api, request, code="not_found", message=str(error) or "Not found.")

    @api.exception_handler(HttpError)
    def http_error(request, error: HttpError):
        code = CODE_BY_STATUS.get(error.status_code, "invalid")
        return error_response(api, request, code=code, message=str(error), status=error.status_code)
