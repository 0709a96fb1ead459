"""Notices, decisions and complaints made through the real services, for the notice tests."""

import re

from django.core import mail
from django.test import TestCase

from disputes.models import DecisionGround
from disputes.services.notices import notice_decide, notice_submit
from disputes.services.statements import Reasons

STATEMENT = "This listing shows a hate symbol in the second image, clearly visible."
FACTS = "The second image shows a banned hate symbol."
CLAUSE = "Terms §4.2: hate symbols"
LINK = re.compile(r"https?://\S+")


def after_commit():
    """Run what the services leave for after commit (mail) when the block ends, as a real
    commit would; the test's own transaction never commits."""
    return TestCase.captureOnCommitCallbacks(execute=True)


def report(reporter, target, *, kind="listing", email="", category="hate", target_id=None):
    with after_commit():
        return notice_submit(
            reporter=reporter,
            email=email,
            category=category,
            statement=STATEMENT,
            kind=kind,
            target_id=str(target_id if target_id is not None else target.pk),
        )


def reasons(**overrides) -> Reasons:
    values = {"facts": FACTS, "ground": DecisionGround.TERMS, "ground_detail": CLAUSE}
    values.update(overrides)
    return Reasons(**values)


def decide(notice, moderator, action="listing_suspended", **kwargs):
    with after_commit():
        return notice_decide(
            notice=notice, moderator=moderator, action=action, reasons=reasons(), **kwargs
        )


def links_in_mail(to: str) -> list[str]:
    """Every link in the mails sent to `to`, oldest first, as site-relative paths."""
    found = []
    for message in mail.outbox:
        if to in message.to:
            found += [re.sub(r"^https?://[^/]+", "", url) for url in LINK.findall(message.body)]
    return found
