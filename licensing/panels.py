"""Licensing's panel on the provenance verify page (registered in LicensingConfig.ready):
whether the piece is under an exclusive promise and how many licences are active. Buyers
stay private: the panel gives counts only."""

from core import panels
from licensing.selectors.grants import piece_licence_standing


def piece_licences(request, piece) -> dict:
    return {"standing": piece_licence_standing(piece_id=piece.pk)}


def connect() -> None:
    panels.register(
        "piece_detail", template="licensing/panels/piece_licences.html", context=piece_licences
    )
