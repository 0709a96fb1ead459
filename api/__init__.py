"""The public API under /api/v1/ (docs/adr/007-public-api.md): the site's top floor."""
