"""The statements a complete copyright notice and counter-notice carry, for the takedown tests."""

from disputes.services.takedowns import CounterStatements, NoticeStatements

NOTICE = NoticeStatements(
    work_description="My oil painting 'Harbour Lights' (2021), published at example.com/harbour.",
    infringing_material="The first piece of this listing reproduces the painting's composition.",
    contact_name="Rhea Holder",
    contact_address="1 Quay Street, Portsmouth, UK",
    contact_phone="+44 20 7946 0000",
    contact_email="rhea@example.com",
    good_faith_statement=True,
    accuracy_statement=True,
    authority_statement=True,
    signature="Rhea Holder",
)
COUNTER = CounterStatements(
    counter_material="The listing 'Lighthouse at dusk', generated from my own prompt.",
    counter_good_faith_statement=True,
    counter_jurisdiction_consent=True,
    counter_name="Cora Creator",
    counter_address="2 Hill Road, Leeds, UK",
    counter_signature="Cora Creator",
)


def actions(notice):
    return list(notice.events.order_by("created_at", "id").values_list("action", flat=True))
