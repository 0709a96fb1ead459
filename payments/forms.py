"""Payment forms."""

from django import forms


class CreditTopUpForm(forms.Form):
    amount = forms.DecimalField(
        label="Amount (USD)", min_value=0, max_digits=9, decimal_places=2, initial=20
    )

    def amount_minor(self) -> int:
        return int(self.cleaned_data["amount"] * 100)
