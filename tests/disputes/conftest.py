from tests.provenance.fixtures import provenance_settings  # noqa: F401
