"""Outbound webhooks: signed, SSRF-safe deliveries of what happened to a user's things."""
