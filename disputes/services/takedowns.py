"""Copyright takedowns: notice, counter-notice, court action, restoration, withdrawal.

Filing disables the listing at once (marketplace's notice suspension, not a moderator's);
a counter-notice schedules its return TAKEDOWN_RESTORE_BUSINESS_DAYS business days later,
which `takedown_restore_due` (beat) carries out unless the claimant reported a court action.
Every step is a TakedownEvent, a "disputed" ledger entry on the listing's pieces and a
notification to both parties.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import transaction
from django.utils import timezone

from core.errors import ApplicationError, PermissionDeniedError
from core.services.notifications import notification_send
from disputes.models import (
    ACTIVE_TAKEDOWN_STATUSES,
    DecisionGround,
    RestrictionKind,
    TakedownEvent,
    TakedownNotice,
    TakedownStatus,
)
from disputes.notification_kinds import COPYRIGHT_TAKEDOWNS
from disputes.services.cases import active_moderators, require_moderator
from disputes.services.statements import Reasons, statement_issue
from generation.models import Piece
from marketplace.models import Listing, ListingStatus
from marketplace.services.suspensions import listing_disable_on_notice, listing_restore_after_notice
from provenance.models import LedgerKind, ProvenanceRecord
from provenance.services.ledger import ledger_append

RESTORE_DAYS_BOUNDS = (10, 14)
PUBLIC_REASON = "a copyright notice is pending"


@dataclass(frozen=True)
class NoticeStatements:
    """§512(c)(3)(A): what a notice must contain; every field is required."""

    work_description: str
    infringing_material: str
    contact_name: str
    contact_address: str
    contact_phone: str
    contact_email: str
    good_faith_statement: bool
    accuracy_statement: bool
    authority_statement: bool
    signature: str


@dataclass(frozen=True)
class CounterStatements:
    """§512(g)(3): what a counter-notice must contain; every field is required."""

    counter_material: str
    counter_good_faith_statement: bool
    counter_jurisdiction_consent: bool
    counter_name: str
    counter_address: str
    counter_signature: str


def restore_business_days() -> int:
    days = int(settings.TAKEDOWN_RESTORE_BUSINESS_DAYS)
    low, high = RESTORE_DAYS_BOUNDS
    if not low <= days <= high:
        raise ImproperlyConfigured(f"TAKEDOWN_RESTORE_BUSINESS_DAYS must be {low}–{high}.")
    return days


def add_business_days(start: datetime, days: int) -> datetime:
    """`days` weekdays (Mon–Fri) after `start`, at the same time of day (UTC)."""
    moment = start
    while days > 0:
        moment += timedelta(days=1)
        if moment.weekday() < 5:
            days -= 1
    return moment


def _require_all(statements) -> None:
    """Defence behind the form: an empty text or an unticked statement refuses the step."""
    for name, value in asdict(statements).items():
        given = value is True if isinstance(value, bool) else bool(str(value).strip())
        if not given:
            raise ApplicationError("This statement is required.", field=name)


def _clean(notice: TakedownNotice) -> None:
    """Model validation as an ApplicationError on its field (e.g. a malformed email)."""
    try:
        notice.full_clean()
    except ValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        raise ApplicationError(messages[0], field=None if field == "__all__" else field) from None


def _lock(notice: TakedownNotice) -> TakedownNotice:
    return TakedownNotice.objects.select_for_update().select_related("listing").get(pk=notice.pk)


def _ref(notice: TakedownNotice) -> str:
    return f"takedown:{notice.pk}"


def _record(notice, *, actor, action: str, from_status: str = "", note: str = "", data=None):
    TakedownEvent.objects.create(
        notice=notice,
        actor=actor,
        action=action,
        from_status=from_status,
        to_status=notice.status,
        note=note,
        data=data or {},
    )


def _ledger(notice: TakedownNotice, *, actor, step: str) -> None:
    """A "disputed" entry naming the notice and the step, on each piece with a record."""
    pieces = Piece.objects.filter(listing_piece__listing_id=notice.listing_id).order_by(
        "listing_piece__position"
    )
    stamped = set(
        ProvenanceRecord.objects.filter(piece__in=pieces).values_list("piece_id", flat=True)
    )
    for piece in pieces:
        if piece.pk in stamped:
            data = {"takedown": str(notice.pk), "step": step}
            ledger_append(piece=piece, kind=LedgerKind.DISPUTED, actor=actor, data=data)


def _notify(notice: TakedownNotice, *, subject: str, body: str = "", moderators=False) -> None:
    also = active_moderators() if moderators else []
    notification_send(
        users=[notice.claimant, notice.respondent, *also],
        subject=subject,
        body=body,
        url=notice.get_absolute_url(),
        ref=_ref(notice),
        kind=COPYRIGHT_TAKEDOWNS,
    )


def _step(notice, *, actor, action: str, previous: str, note: str = "", data=None) -> None:
    """The history row and the ledger entry every step writes."""
    _record(notice, actor=actor, action=action, from_status=previous, note=note, data=data)
    _ledger(notice, actor=actor, step=action)


@transaction.atomic
def takedown_file(*, claimant, listing: Listing, statements: NoticeStatements) -> TakedownNotice:
    """File a notice and disable the listing at once."""
    _require_all(statements)
    listing = Listing.objects.select_for_update().get(pk=listing.pk)
    if TakedownNotice.objects.filter(
        claimant=claimant, listing=listing, status__in=ACTIVE_TAKEDOWN_STATUSES
    ).exists():
        raise ApplicationError("You already have a notice pending against this listing.")
    if listing.status != ListingStatus.PUBLISHED:
        raise ApplicationError("Only a listing on sale can be the subject of a takedown notice.")
    if listing.creator_id == claimant.pk:
        raise ApplicationError("You cannot file a notice against your own listing.")
    notice = TakedownNotice(
        listing=listing, claimant=claimant, respondent=listing.creator, **asdict(statements)
    )
    _clean(notice)
    notice.save(force_insert=True)
    _step(notice, actor=claimant, action="filed", previous="")
    listing_disable_on_notice(
        listing=listing,
        notifier=claimant,
        reason=f"Copyright notice {notice.pk}: {PUBLIC_REASON}.",
        ref=_ref(notice),
    )
    _step(notice, actor=claimant, action="listing_disabled", previous=notice.status)
    _state_reasons(notice)
    _notify(
        notice,
        subject=f"Copyright notice filed: “{listing.title}” is disabled",
        body="The creator may send a counter-notice from the case page.",
        moderators=True,
    )
    return notice


def _state_reasons(notice: TakedownNotice) -> None:
    """The creator's statement of reasons (DSA Art. 17): the listing went down on the
    notice alone, with no moderator's review, so the decision is marked automated."""
    listing = notice.listing
    claimed = notice.work_description.strip()
    statement_issue(
        user=notice.respondent,
        kind=RestrictionKind.LISTING_DISABLED,
        restricted=f"Listing “{listing.title}”",
        reasons=Reasons(
            facts=f"{notice.contact_name} sent a copyright notice claiming the listing "
            f"copies their work: {claimed[:1000]}",
            ground=DecisionGround.LAW,
            ground_detail="17 U.S.C. § 512(c), notice and takedown",
            automated_decision=True,
            about={"takedown": notice},
        ),
        decided_by=None,
        listing=listing,
    )


def _require_status(notice: TakedownNotice, allowed, verb: str) -> str:
    if notice.status not in allowed:
        raise ApplicationError(
            f"A notice that is {notice.get_status_display().lower()} cannot be {verb}.",
            code="invalid_transition",
        )
    return notice.status


@transaction.atomic
def takedown_counter_notify(
    *, notice: TakedownNotice, actor, statements: CounterStatements, now: datetime | None = None
) -> TakedownNotice:
    """The creator's counter-notice: the listing returns after the waiting period."""
    notice = _lock(notice)
    if actor.pk != notice.respondent_id:
        raise PermissionDeniedError("Only the listing's creator can send a counter-notice.")
    previous = _require_status(notice, [TakedownStatus.DISABLED], "counter-noticed")
    _require_all(statements)
    now = now or timezone.now()
    for name, value in asdict(statements).items():
        setattr(notice, name, value)
    notice.countered_at = now
    notice.restore_due_at = add_business_days(now, restore_business_days())
    notice.status = TakedownStatus.COUNTERED
    _clean(notice)
    notice.save(update_fields=[*asdict(statements), "countered_at", "restore_due_at", "status"])
    due = notice.restore_due_at.isoformat()
    _step(notice, actor=actor, action="counter_notice", previous=previous, data={"due": due})
    _notify(
        notice,
        subject=f"Counter-notice received for “{notice.listing.title}”",
        body=f"The listing comes back on {notice.restore_due_at:%Y-%m-%d %H:%M} UTC unless "
        "the claimant reports a court action before then.",
    )
    return notice


@transaction.atomic
def takedown_report_court_action(
    *, notice: TakedownNotice, actor, case_reference: str
) -> TakedownNotice:
    """The claimant filed an action: the listing stays down until a moderator decides."""
    notice = _lock(notice)
    if actor.pk != notice.claimant_id:
        raise PermissionDeniedError("Only the claimant can report a court action.")
    previous = _require_status(notice, [TakedownStatus.COUNTERED], "reported to court")
    if not case_reference.strip():
        raise ApplicationError("Give the court's case reference.", field="case_reference")
    notice.court_case_reference = case_reference.strip()
    notice.court_action_at = timezone.now()
    notice.status = TakedownStatus.COURT_ACTION
    notice.save(update_fields=["court_case_reference", "court_action_at", "status"])
    data = {"case_reference": notice.court_case_reference}
    _step(notice, actor=actor, action="court_action_reported", previous=previous, data=data)
    _notify(
        notice,
        subject=f"Court action reported for “{notice.listing.title}”",
        body=f"Case {notice.court_case_reference}. The listing stays down; a moderator decides.",
        moderators=True,
    )
    return notice


def _restore(notice: TakedownNotice, *, actor, target: str, action: str, note: str = "") -> None:
    previous = notice.status
    restored = listing_restore_after_notice(
        listing=notice.listing, ref=_ref(notice), actor=actor, reason=note or action
    )
    notice.status = target
    notice.closed_at = timezone.now()
    notice.save(update_fields=["status", "closed_at"])
    # The restriction is lifted: nothing is left to complain about.
    notice.statements.filter(reversed_at__isnull=True).update(reversed_at=notice.closed_at)
    _step(notice, actor=actor, action=action, previous=previous, note=note)
    if restored:
        _step(notice, actor=actor, action="listing_restored", previous=notice.status)


@transaction.atomic
def takedown_withdraw(*, notice: TakedownNotice, actor, note: str = "") -> TakedownNotice:
    notice = _lock(notice)
    if actor.pk != notice.claimant_id:
        raise PermissionDeniedError("Only the claimant can withdraw the notice.")
    _require_status(notice, ACTIVE_TAKEDOWN_STATUSES, "withdrawn")
    _restore(
        notice, actor=actor, target=TakedownStatus.WITHDRAWN, action="withdrawn", note=note.strip()
    )
    _notify(notice, subject=f"Copyright notice withdrawn: “{notice.listing.title}” is back")
    return notice


def takedown_restore_due(*, now: datetime | None = None) -> list[TakedownNotice]:
    """Restore every counter-noticed listing whose waiting period ended. Safe to run twice
    (or in two workers): each notice is re-checked under its lock and restored once."""
    now = now or timezone.now()
    due = TakedownNotice.objects.filter(
        status=TakedownStatus.COUNTERED, restore_due_at__lte=now
    ).values_list("pk", flat=True)
    return [notice for pk in list(due) if (notice := _restore_one(pk, now)) is not None]


@transaction.atomic
def _restore_one(notice_id, now: datetime) -> TakedownNotice | None:
    notice = TakedownNotice.objects.select_for_update().select_related("listing").get(pk=notice_id)
    if notice.status != TakedownStatus.COUNTERED or notice.restore_due_at > now:
        return None
    _restore(notice, actor=None, target=TakedownStatus.RESTORED, action="restored")
    _notify(
        notice,
        subject=f"“{notice.listing.title}” restored after the counter-notice",
        body="No court action was reported within the waiting period.",
    )
    return notice


@transaction.atomic
def takedown_moderate(
    *, notice: TakedownNotice, moderator, decision: str, note: str
) -> TakedownNotice:
    """A moderator restores the listing or keeps it down (e.g. while a court decides)."""
    require_moderator(moderator)
    notice = _lock(notice)
    _require_status(notice, ACTIVE_TAKEDOWN_STATUSES, "decided")
    if not note.strip():
        raise ApplicationError("Say why; both parties read it.", field="note")
    if decision == "restore":
        _restore(
            notice,
            actor=moderator,
            target=TakedownStatus.RESTORED,
            action="restored_by_moderator",
            note=note.strip(),
        )
        subject = f"A moderator restored “{notice.listing.title}”"
    elif decision == "keep_down":
        previous = notice.status
        notice.status = TakedownStatus.UPHELD
        notice.closed_at = timezone.now()
        notice.save(update_fields=["status", "closed_at"])
        _step(notice, actor=moderator, action="kept_down", previous=previous, note=note.strip())
        subject = f"A moderator keeps “{notice.listing.title}” down"
    else:
        raise ApplicationError("Choose restore or keep down.", field="decision")
    _notify(notice, subject=subject, body=note.strip())
    return notice
