"""The shared input fields: money, integer ids and uuid lists refuse what is not one."""

import uuid
from decimal import Decimal

import pytest
from django import forms

from core.forms import IdField, MoneyField, UUIDListField, minor_units


class Sample(forms.Form):
    amount = MoneyField(required=False)
    user = IdField(required=False)
    pieces = UUIDListField(required=False)


@pytest.mark.parametrize(
    "value", ["inf", "-inf", "Infinity", "nan", "NaN", "1e400", "-1", "0.001", "10000000"]
)
def test_money_refuses_non_finite_negative_overlong_and_fine_amounts(value):
    form = Sample({"amount": value})
    assert not form.is_valid() and "amount" in form.errors


def test_money_accepts_an_amount_and_converts_it_to_cents():
    form = Sample({"amount": "9999999.99"})
    assert form.is_valid()
    assert form.cleaned_data["amount"] == Decimal("9999999.99")
    assert minor_units(form.cleaned_data["amount"]) == 999999999


@pytest.mark.parametrize("value", ["0", "-5", str(2**63), "1e3", "1.5", "inf", "abc"])
def test_an_id_is_a_positive_64_bit_integer(value):
    form = Sample({"user": value})
    assert not form.is_valid() and "user" in form.errors


def test_an_id_at_the_64_bit_edge_is_accepted():
    form = Sample({"user": str(2**63 - 1)})
    assert form.is_valid() and form.cleaned_data["user"] == 2**63 - 1


def test_a_uuid_list_names_the_malformed_id():
    first = uuid.uuid4()
    form = Sample({"pieces": [str(first), "12345678-1234"]})
    assert not form.is_valid()
    assert form.errors["pieces"] == ["“12345678-1234” is not a valid id."]

    form = Sample({"pieces": [str(first)]})
    assert form.is_valid() and form.cleaned_data["pieces"] == [first]
