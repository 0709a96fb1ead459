"""Payments: orders, the Stripe gateway, webhooks, refunds and creator payouts."""
