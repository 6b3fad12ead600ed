"""Domain errors: the service layer raises these; the app renders them as problem+json."""

from __future__ import annotations

from vtoc.schemas import Candidate, FieldError


class DomainError(Exception):
    status = 400
    title = "Bad request"

    def __init__(self, detail: str, *, errors: list[FieldError] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or []


class NotFoundError(DomainError):
    status = 404
    title = "Not found"


class ConflictError(DomainError):
    status = 409
    title = "Conflict"


class AmbiguousError(ConflictError):
    """A reference that names several rows; ``candidates`` lists them to pick one by id."""

    def __init__(self, detail: str, *, candidates: list[Candidate]) -> None:
        super().__init__(detail)
        self.candidates = candidates


class StaleVersionError(DomainError):
    status = 412
    title = "Precondition failed"


class InvalidError(DomainError):
    """Input that is well-formed but wrong, e.g. a reference to a row that does not exist."""

    status = 422
    title = "Validation failed"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}", errors=[FieldError(field=field, message=message)])


class MethodNotAllowedError(DomainError):
    """405: the resource exists but never takes this method (a journal entry is not edited).
    Its ``Allow`` header is the path's, added by ``methods.RouteByPath``."""

    status = 405
    title = "Method not allowed"


class TooLargeError(DomainError):
    """A request over a configured size limit (a batch with too many items)."""

    status = 413
    title = "Payload too large"


class AuthenticationError(DomainError):
    status = 401
    title = "Unauthorized"


class PermissionDeniedError(DomainError):
    status = 403
    title = "Forbidden"


class UnavailableError(DomainError):
    """A part of the server is not running (yet); clients retry later."""

    status = 503
    title = "Service unavailable"


class RateLimitedError(DomainError):
    """429: this token sent more writes than its budget; ``retry_after`` seconds to wait."""

    status = 429
    title = "Too many requests"

    def __init__(self, detail: str, *, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class DatabaseUnavailableError(DomainError):
    """The database did not answer (down, connections cut twice, statement timeout)."""

    status = 503
    title = "Database unavailable"
