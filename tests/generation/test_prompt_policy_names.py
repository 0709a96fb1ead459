"""Protected names: the services (idempotent, audited), how the policy applies them (real
people next to sexual or defamatory terms, artists everywhere or in one style, forged
signatures), the cached list, the settings defaults and the admin."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.errors import ApplicationError
from generation.models import PromptReview, ProtectedName, ProtectedNameEvent, Style
from generation.services.jobs import JobSpec, job_create
from generation.services.prompt_policy import prompt_policy_check
from generation.services.prompt_reviews import PromptRejectedError
from generation.services.protected_names import protected_name_add, protected_name_remove
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def style(creator):
    return Style.objects.create(creator=creator, title="Harbours", price_amount=700)


@pytest.fixture
def no_default_names(settings):
    settings.PROMPT_POLICY_PROTECTED_NAMES = []


def verdict_of(prompt, style=None):
    verdict = prompt_policy_check(prompt=prompt, style=style)
    return None if verdict is None else (verdict.category, verdict.rule_id, verdict.matched)


def add(name, kind="artist", style=None, actor=None, note=""):
    return protected_name_add(name=name, kind=kind, style=style, note=note, actor=actor)


def test_adding_a_name_stores_its_folded_spelling_and_a_history_row(moderator):
    entry = add("  Zoë   O'Neil ", note="claim 12", actor=moderator)

    assert (entry.name, entry.normalised, entry.kind, entry.style, entry.active) == (
        "Zoë O'Neil",
        "zoe o neil",
        "artist",
        None,
        True,
    )
    event = ProtectedNameEvent.objects.get()
    assert (event.protected_name, event.from_status, event.to_status, event.actor, event.note) == (
        entry,
        "",
        "active",
        moderator,
        "claim 12",
    )


def test_adding_the_same_name_again_in_the_same_scope_changes_nothing(moderator, style):
    first = add("Mira Kowalczyk", actor=moderator)
    again = add("MIRA  kowalczyk", actor=moderator, note="second claim")
    in_style = add("Mira Kowalczyk", style=style, actor=moderator)

    assert again.pk == first.pk and again.note == ""
    assert in_style.pk != first.pk and in_style.style == style
    assert ProtectedName.objects.count() == 2 and ProtectedNameEvent.objects.count() == 2


def test_removing_deactivates_once_and_adding_brings_it_back(moderator):
    entry = add("Mira Kowalczyk", actor=moderator)

    protected_name_remove(protected_name=entry, actor=moderator, note="claim withdrawn")
    protected_name_remove(protected_name=entry, actor=moderator)
    back = add("Mira Kowalczyk", kind="real_person", actor=moderator)

    assert back.pk == entry.pk and back.active and back.kind == "real_person"
    assert [(e.from_status, e.to_status, e.note) for e in entry.events.all()] == [
        ("", "active", "Added."),
        ("active", "inactive", "claim withdrawn"),
        ("inactive", "active", "Added again."),
    ]


@pytest.mark.parametrize(
    ("name", "kind", "field"),
    [("   ", "artist", "name"), ("!!!", "artist", "name"), ("x" * 121, "artist", "name")]
    + [("Mira Kowalczyk", "brand", "kind")],
)
def test_bad_names_are_refused_with_the_field_and_nothing_is_written(name, kind, field):
    with pytest.raises(ApplicationError) as refused:
        add(name, kind=kind)

    assert refused.value.field == field
    assert ProtectedName.objects.count() == 0 and ProtectedNameEvent.objects.count() == 0


def test_a_named_real_person_is_refused_with_sexual_or_defamatory_terms_only(no_default_names):
    add("Jane Example", kind="real_person")

    assert verdict_of("Jane Example nude") == (
        "real_person",
        "names.real_person",
        "jane example + nude",
    )
    assert verdict_of("J a n e E x a m p l e in handcuffs")[1] == "names.real_person"
    assert verdict_of("JaneExample topless")[2] == "janeexample + topless"
    assert verdict_of("Jane Example reading a book in a garden") is None


def test_a_protected_artist_is_refused_everywhere_or_only_in_its_style(no_default_names, style):
    other = Style.objects.create(creator=style.creator, title="Other", price_amount=700)
    add("Mira Kowalczyk")
    add("Tomasz Wren", style=style)

    assert verdict_of("a castle by Mira Kowalczyk") == (
        "protected_artist",
        "names.artist",
        "mira kowalczyk",
    )
    assert verdict_of("a castle by Mira Kowalczyk", style=other)[1] == "names.artist"
    assert verdict_of("a harbour like Tomasz Wren", style=style)[2] == "tomasz wren"
    assert verdict_of("a harbour like Tomasz Wren", style=other) is None
    assert verdict_of("a harbour like Tomasz Wren") is None


def test_a_protected_name_with_a_signature_is_a_forged_signature(no_default_names):
    add("Jane Example", kind="real_person")

    assert verdict_of("a poster signed Jane Example") == (
        "provenance_tampering",
        "names.signature",
        "signed + jane example",
    )


def test_a_removed_name_is_no_longer_refused(no_default_names):
    entry = add("Mira Kowalczyk")
    assert verdict_of("by Mira Kowalczyk") is not None

    protected_name_remove(protected_name=entry, actor=None)

    assert verdict_of("by Mira Kowalczyk") is None


def test_checks_read_the_names_once_per_change(no_default_names):
    add("Mira Kowalczyk")
    prompt_policy_check(prompt="warm-up")

    with CaptureQueriesContext(connection) as unchanged:
        for _ in range(20):
            prompt_policy_check(prompt="a quiet harbour at dawn")
    add("Tomasz Wren")
    with CaptureQueriesContext(connection) as after_change:
        verdict = prompt_policy_check(prompt="a harbour like Tomasz Wren")
        prompt_policy_check(prompt="a harbour like Tomasz Wren")

    assert len(unchanged) == 0
    assert len(after_change) == 1 and verdict.rule_id == "names.artist"


def test_default_names_come_from_settings(settings):
    settings.PROMPT_POLICY_PROTECTED_NAMES = ["Jane Example", {"name": "Ann Art", "kind": "artist"}]

    assert verdict_of("Jane Example naked")[1] == "names.real_person"
    assert verdict_of("a landscape by Ann Art")[1] == "names.artist"


@pytest.mark.parametrize(
    "names", [[{"name": "x", "kind": "brand"}], [{"name": "!!"}], [{"nom": "x"}], [3]]
)
def test_bad_default_names_fail_loudly(settings, names):
    settings.PROMPT_POLICY_PROTECTED_NAMES = names

    with pytest.raises(ImproperlyConfigured):
        prompt_policy_check(prompt="anything")


def test_a_job_in_a_style_is_screened_with_that_styles_names(no_default_names, style, buyer):
    from generation.models import StyleVersion

    version = StyleVersion.objects.create(
        style=style,
        number=1,
        engine="embedded",
        prompt_template="{prompt}, oil",
        width=256,
        height=256,
        steps=2,
        params_sha256="0" * 64,
    )
    add("Tomasz Wren", style=style)

    with pytest.raises(PromptRejectedError):
        job_create(owner=buyer, spec=JobSpec.in_style(version, prompt="harbour, Tomasz Wren"))

    review = PromptReview.objects.get()
    assert (review.category, review.rule_id, review.matched_text) == (
        "protected_artist",
        "names.artist",
        "tomasz wren",
    )


def test_operators_protect_and_unprotect_names_in_the_admin(client, no_default_names):
    staff = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)

    response = client.post(
        reverse("admin:generation_protectedname_add"),
        {"name": "Mira Kowalczyk", "kind": "artist", "note": "claim 7", "active": "on"}
        | {"events-TOTAL_FORMS": "0", "events-INITIAL_FORMS": "0"},
    )
    entry = ProtectedName.objects.get()
    refused = client.post(
        reverse("admin:generation_protectedname_add"),
        {"name": "!!!", "kind": "artist", "active": "on"}
        | {"events-TOTAL_FORMS": "0", "events-INITIAL_FORMS": "0"},
    )
    client.post(
        reverse("admin:generation_protectedname_change", args=[entry.pk]),
        {"events-TOTAL_FORMS": "1", "events-INITIAL_FORMS": "1"}
        | {"events-0-id": str(entry.events.get().pk), "events-0-protected_name": str(entry.pk)},
    )

    assert response.status_code == 302 and refused.status_code == 200
    assert "The name needs letters or digits." in refused.content.decode()
    entry.refresh_from_db()
    assert entry.active is False and ProtectedName.objects.count() == 1
    assert [(e.to_status, e.actor) for e in entry.events.all()] == [
        ("active", staff),
        ("inactive", staff),
    ]
    assert verdict_of("by Mira Kowalczyk") is None
