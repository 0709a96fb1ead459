"""Cross-cutting pieces that belong to no single app: the error family, middleware, health."""
