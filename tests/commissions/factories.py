"""Styles and commissions built through the real services."""

from generation.services.batch import batch_run
from generation.services.styles import style_create
from payments.services.orders import order_mark_paid
from tests.generation.factories import split_recipe

TEMPLATE = "{prompt}, watercolor, teal and orange palette, soft paper texture"


def make_style(creator, **fields):
    values = {
        "title": "Teal watercolour",
        "description": "Soft washes in teal and orange.",
        "price_amount": 500,
        "tier_code": "standard",
        "prompt_template": TEMPLATE,
        "negative_prompt": "text, watermark",
        "width": 256,
        "height": 256,
        "steps": 2,
        "engine": "embedded",
        "sample_prompts": ["a red boat"],
    }
    values.update(fields)
    return style_create(creator=creator, **split_recipe(values))


def pay(order, source: str = "webhook:evt_test"):
    """What the provider's signed event does (tests of the webhook path live in payments)."""
    return order_mark_paid(order=order, payment_intent_id=f"pi_{order.pk.hex[:12]}", source=source)


def run_job(job, worker: str = "test-worker:1"):
    return batch_run(job_id=str(job.pk), worker=worker)
