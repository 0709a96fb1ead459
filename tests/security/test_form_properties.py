"""Every form of the URL map, as each role, with hostile input: never a 5xx.

Each named URL (admin aside) is filled with the ids of the security world's real objects
and requested as anonymous, buyer, creator and moderator. The field names come from the
forms the page renders on GET (plus every name seen anywhere and some random ones); the
values mix real ids and choices with "inf", "nan", "1e400", huge integers, malformed
uuids, unicode and empty strings, sent as a POST body or a GET query.
"""

import re
import uuid

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from provenance.models import KeypointLookup

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "owner", "creator", "moderator")
EXAMPLES_PER_URL = 10
HOSTILE = [
    "inf",
    "-inf",
    "Infinity",
    "nan",
    "NaN",
    "1e400",
    "-1e400",
    "1e-400",
    "-1",
    "0",
    "1",
    "2",
    "-0",
    "1.5",
    "0x10",
    "٣",
    str(2**63),
    str(-(2**63) - 1),
    "9" * 40,
    "00000000-0000-0000-0000-000000000000",
    "not-a-uuid",
    "12345678-1234-1234-1234-12345678",
    "",
    " ",
    "\x00",
    "é",
    "🎨" * 30,
    "<script>alert(1)</script>",
    "approve",
    "fail",
]
# Names views read straight from request.POST / request.GET (no form renders them).
VIEW_NAMES = [
    "reason",
    "decision",
    "note",
    "picked",
    "kind",
    "tier",
    "outcome",
    "quote",
    "pieces",
    "page",
    "listing",
    "grant",
    "commission",
    "piece",
    "from",
]
# Commission actions a brief's page posts to (commissions:action), and one that is not.
ACTIONS = ["quote", "decline", "pay", "deliver", "accept", "revise", "nope"]
NAME = re.compile(r'<(?:input|select|textarea|button)\b[^>]*?\bname="([^"]+)"')
VALUE = re.compile(r'\bvalue="([^"]{0,80})"')


def url_patterns(patterns=None, namespace=None):
    """(name, pattern) for every named URL, admin aside."""
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace != "admin":
                yield from url_patterns(pattern.url_patterns, pattern.namespace or namespace)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield (f"{namespace}:{pattern.name}" if namespace else pattern.name), pattern


def path_values(world) -> dict[str, list]:
    """URL keyword → real ids from the world (a missing one is exercised as a 404)."""
    line = world["order"].lines.first()
    return {
        "piece_id": [world["piece"].pk],
        "job_id": [world["job"].pk],
        "style_id": [world["style"].pk],
        "review_id": [world["prompt_review"].pk],
        "grant_id": [world["grant"].pk],
        "certificate_id": [world["grant"].certificate.pk, uuid.uuid4()],
        "listing_id": [world["listing"].pk, world["draft"].pk],
        "collection_id": [world["collection"].pk, world["public_collection"].pk, uuid.uuid4()],
        "item_id": [world["collection_item"].pk],
        "dispute_id": [world["dispute"].pk],
        "notice_id": [world["notice"].pk],
        "statement_id": [world["statement"].pk],
        "complaint_id": [world["complaint"].pk],
        "evidence_id": [world["evidence"].pk],
        "takedown_id": [world["takedown"].pk],
        "claim_id": [world["artist_claim"].pk],
        "order_id": [world["order"].pk],
        "line_id": [line.pk],
        "request_id": [1],
        "commission_id": [world["commission"].pk, world["reference"].commission_id],
        "reference_id": [world["reference"].pk],
        "creator_id": [world["users"]["creator"].pk],
        "action": ACTIONS,
        "token_id": [world["token"].pk],
        "endpoint_id": [world["endpoint"].pk],
        "key": ["junk-key"],
        "uidb36": ["1"],
        "pk": [1],
        "token": ["junk-token"],
        "lookup_id": [KeypointLookup.objects.create(query=b"").pk, uuid.uuid4()],
        "uidb64": ["MQ"],
    }


def _keywords(name, pattern) -> list[str]:
    """The URL's keywords, including those of the includes above it (allauth nests its
    `<pk>` in an include), from the resolver's reverse table."""
    keywords = list(pattern.pattern.regex.groupindex)
    if keywords or ":" in name:
        return keywords
    for possibilities, *_ in get_resolver().reverse_dict.getlist(name):
        for _, params in possibilities:
            return list(params)
    return []


def urls_for(name, pattern, world) -> list[str]:
    """The URL filled with each real id its keywords take (one URL per id)."""
    keywords = _keywords(name, pattern)
    values = path_values(world)
    if not keywords:
        return [reverse(name)]
    width = max(len(values[key]) for key in keywords)
    return [
        reverse(name, kwargs={key: values[key][i % len(values[key])] for key in keywords})
        for i in range(width)
    ]


def real_ids(world) -> list[str]:
    users = [user.pk for user in world["users"].values() if user is not None]
    objects = [value.pk for key, value in world.items() if hasattr(value, "pk")]
    return [str(pk) for pk in users + objects]


def client_as(user) -> Client:
    client = Client(raise_request_exception=False)
    if user is not None:
        client.force_login(user)
    return client


def form_shape(urls, world) -> tuple[set[str], set[str]]:
    """Field names and option values the pages render on GET, for every role."""
    names, values = set(), set()
    for url in urls:
        for role in ROLES:
            page = client_as(world["users"][role]).get(url)
            if page.streaming or "html" not in page.get("Content-Type", ""):
                continue
            body = page.content.decode(errors="replace")
            names.update(NAME.findall(body))
            values.update(VALUE.findall(body))
    names.discard("csrfmiddlewaretoken")
    return names, values


def payloads(names, values):
    """A form body: each known field maybe present (hostile values most often), plus junk."""
    value = st.one_of(
        st.sampled_from(HOSTILE),
        st.sampled_from(HOSTILE),
        st.sampled_from(sorted(values) or [""]),
        st.integers(min_value=-(2**70), max_value=2**70).map(str),
        st.floats(allow_subnormal=False).map(repr),
        st.text(max_size=30),
    )
    values = st.one_of(value, value, st.lists(value, max_size=3))
    known = st.fixed_dictionaries({}, optional=dict.fromkeys(sorted(names), values))
    junk = st.dictionaries(st.text(min_size=1, max_size=12), values, max_size=3)
    return st.builds(lambda a, b: {**b, **a}, known, junk)


def test_no_form_input_makes_any_page_answer_5xx(world):
    shapes = {
        url: form_shape([url], world)
        for name, pattern in url_patterns()
        for url in urls_for(name, pattern, world)
    }
    every_name = set().union(*(names for names, _ in shapes.values())) | set(VIEW_NAMES)
    ids = set(real_ids(world))
    failures = []

    for url, (names, values) in shapes.items():

        @settings(
            max_examples=EXAMPLES_PER_URL,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(
            role=st.sampled_from(ROLES),
            method=st.sampled_from(["post", "post", "get"]),
            data=payloads(names or every_name, values | ids),
        )
        def check(role, method, data):
            response = getattr(client_as(world["users"][role]), method)(url, data)
            if response.status_code >= 500:
                error = getattr(response, "exc_info", None)
                error = error[1] if error else response.status_code
                failures.append(f"{method.upper()} {url} as {role}: {error!r} ← {data!r:.300}")

        check()

    assert not failures, "\n".join(failures)
