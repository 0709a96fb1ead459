"""The /api/v1/ NinjaAPI: routers, auth, the one error shape, the OpenAPI document."""

from ninja import NinjaAPI

from api import errors
from api.auth import AUTH
from api.routers import catalogue, jobs

DESCRIPTION = """
Script Promptfolio: submit generation jobs, follow them, download what you made, browse
the catalogue and read your licences.

**Authentication**: a personal access token from your profile page, sent as
`Authorization: Bearer pf_…`. A token has scopes: `read`, and `generate` for anything
that queues GPU work. The site's own session cookie also works (with its CSRF token).

**Errors** always look like `{"code": "...", "message": "...", "field": "..." | null}`.

**Idempotency**: send `Idempotency-Key` with a POST; repeating it with the same body
returns the first answer (header `Idempotent-Replayed: true`), a different body is 409.

**Limits**: requests per minute per token and per person, and your GPU allowance (jobs at
a time, images per day) answer 429 with `Retry-After` (seconds).

**Lists** are newest first; pass `next_cursor` back as `cursor` for the next page.
"""

api = NinjaAPI(
    title="Promptfolio API",
    version="1",
    description=DESCRIPTION,
    auth=AUTH,
    urls_namespace="api-1",
    docs_url="/docs",
)
errors.install(api)
api.add_router("/", jobs.router)
api.add_router("/", catalogue.router)
