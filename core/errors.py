"""The one application error family that services raise and views turn into user messages."""


class ApplicationError(Exception):
    """A rule of the domain was broken; `message` is safe to show to the user."""

    def __init__(self, message: str, *, field: str | None = None, code: str = "invalid"):
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code


class PermissionDeniedError(ApplicationError):
    def __init__(self, message: str = "You are not allowed to do that."):
        super().__init__(message, code="permission_denied")


class QuotaExceededError(ApplicationError):
    """A limit on use (rate, daily images, concurrent jobs): try again after `retry_after` s."""

    def __init__(self, message: str, *, retry_after: int, field: str | None = None):
        super().__init__(message, field=field, code="quota_exceeded")
        self.retry_after = retry_after
