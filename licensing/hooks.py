"""What licensing tells the floors above it (they subscribe in AppConfig.ready)."""

import uuid
from dataclasses import dataclass

from core.hooks import Hook


@dataclass(frozen=True)
class LicenceGranted:
    """A new grant was inserted (called in the granting transaction, once per grant)."""

    grant_id: uuid.UUID
    licensee_id: int


licence_granted: Hook[LicenceGranted] = Hook("licensing.licence_granted")
