"""How a POST answers: at once, or once per Idempotency-Key when the client sends one."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from ninja import Status

from api.services.idempotency import idempotent

IDEMPOTENCY_HEADER = "Idempotency-Key"


def answer(
    request: HttpRequest, response: HttpResponse, run: Callable[[], tuple[int, dict]]
) -> Status:
    """`run()`'s (status, body); with an Idempotency-Key, the first answer for that key
    (marked `Idempotent-Replayed: true` when repeated)."""
    key = request.headers.get(IDEMPOTENCY_HEADER)
    if key is None:
        return Status(*run())
    result = idempotent(
        user=request.user,
        key=key,
        operation=f"{request.method} {request.path}",
        body=request.body,
        run=run,
    )
    if result.replayed:
        response["Idempotent-Replayed"] = "true"
    return Status(result.status, result.body)
