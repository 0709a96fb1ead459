from tests.marketplace.fixtures import no_embedding_tasks  # noqa: F401
from tests.provenance.fixtures import provenance_settings  # noqa: F401
