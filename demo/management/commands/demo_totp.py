"""The demo moderator's current TOTP code, so a local run needs no authenticator app."""

import time

from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.core.management.base import BaseCommand

from demo.management.commands.seed_demo import DEMO_MODERATOR_TOTP_SECRET


class Command(BaseCommand):
    help = "Print the demo moderator's current two-factor code (demo data only)."

    def handle(self, *args, **options):
        now = time.time()
        code = format_hotp_value(hotp_value(DEMO_MODERATOR_TOTP_SECRET, int(now // 30)))
        self.stdout.write(f"{code}  (valid for {30 - int(now) % 30} more seconds)")
