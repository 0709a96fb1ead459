"""Test settings: the base settings plus fast hashing and in-memory mail.

The database, broker and storage still come from the environment, so CI=true runs the same
suite against PostgreSQL, Redis and a moto S3 server.
"""

from config.settings.base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
WHITENOISE_AUTOREFRESH = True
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file, not shared-cache memory: the Celery worker thread and live server need real
    # SQLite locking (busy timeout, WAL) rather than shared-cache table locks.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}  # noqa: F405

# Stamp in the stage's own threads unless a test asks for the process pool: spawning one per
# test run costs seconds, and the pool has its own tests.
GENERATION_STAMP_PROCESSES = env_int("GENERATION_STAMP_PROCESSES", 0)  # noqa: F405

# The test session's Celery worker would otherwise beat in the middle of other tests' flushes
# (a PostgreSQL TRUNCATE deadlocks with its upsert); the heartbeat tests set their own.
GENERATION_WORKER_HEARTBEAT_SECONDS = 3600.0

# The tests run the Celery worker in this process, so the local-memory cache is shared.
WATCH_ETAGS = True
# Sessions in the database alone wherever CACHE_URL points (core.watch's patch tests switch
# to the cache-backed engine themselves).
SESSION_ENGINE = "django.contrib.sessions.backends.db"
