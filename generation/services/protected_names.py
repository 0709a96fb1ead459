"""Protecting a name from the prompt policy's point of view: add it (or add it again), remove
it. Operators do it in the admin; artist-claim remedies call the same functions.

Both are idempotent: adding a name that is already protected in the same scope (the same
normalised spelling, everywhere or in the same style) returns the existing row unchanged;
removing an inactive one changes nothing. Each real change writes a ProtectedNameEvent. The
policy's cached list is refreshed by the ProtectedName save signal (see
`generation.selectors.protected_names`).
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction

from core.errors import ApplicationError
from generation.models import ProtectedName, ProtectedNameEvent, ProtectedNameKind, Style
from generation.models.names import MAX_NAME
from generation.services.prompt_policy import protected_name_normalise

User = get_user_model()

ACTIVE, INACTIVE = "active", "inactive"
MAX_NOTE = 500


def _record(entry: ProtectedName, *, from_status: str, actor: User | None, note: str) -> None:
    ProtectedNameEvent.objects.create(
        protected_name=entry,
        from_status=from_status,
        to_status=ACTIVE if entry.active else INACTIVE,
        actor=actor,
        note=note[:MAX_NOTE],
    )


def protected_name_validate(*, name: str, kind: str) -> tuple[str, str]:
    """(the name tidied, its normalised spelling), or ApplicationError naming the field."""
    name = " ".join(name.split())
    if not name:
        raise ApplicationError("Enter the name to protect.", field="name")
    if len(name) > MAX_NAME:
        raise ApplicationError(f"Names are at most {MAX_NAME} characters.", field="name")
    normalised = protected_name_normalise(name)
    if not normalised:
        raise ApplicationError("The name needs letters or digits.", field="name")
    if kind not in ProtectedNameKind.values:
        raise ApplicationError("Choose a real person or an artist.", field="kind")
    return name, normalised


@transaction.atomic
def protected_name_add(
    *, name: str, kind: str, style: Style | None = None, note: str, actor: User | None
) -> ProtectedName:
    """Protect `name` everywhere (style None) or only in prompts in `style`."""
    name, normalised = protected_name_validate(name=name, kind=kind)
    note = note.strip()[:MAX_NOTE]
    same = ProtectedName.objects.select_for_update().filter(normalised=normalised, style=style)
    entry = same.first()
    if entry is None:
        entry = ProtectedName(name=name, normalised=normalised, kind=kind, style=style, note=note)
        entry.full_clean(exclude=["normalised"], validate_constraints=False)
        try:
            with transaction.atomic():
                entry.save(force_insert=True)
        except IntegrityError:  # added at the same moment by someone else: theirs stands
            return same.get()
        _record(entry, from_status="", actor=actor, note=note or "Added.")
        return entry
    if entry.active:
        return entry
    entry.active, entry.kind, entry.note = True, kind, note or entry.note
    entry.save(update_fields=["active", "kind", "note"])
    _record(entry, from_status=INACTIVE, actor=actor, note=note or "Added again.")
    return entry


@transaction.atomic
def protected_name_remove(
    *, protected_name: ProtectedName, note: str = "", actor: User | None
) -> ProtectedName:
    """Stop protecting the name; the row and its history stay."""
    entry = ProtectedName.objects.select_for_update().get(pk=protected_name.pk)
    if not entry.active:
        return entry
    entry.active = False
    entry.save(update_fields=["active"])
    _record(entry, from_status=ACTIVE, actor=actor, note=note.strip() or "Removed.")
    return entry
