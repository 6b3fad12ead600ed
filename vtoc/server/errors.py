"""Domain errors: the service layer raises these; the app renders them as problem+json.

Each class names its HTTP status and the problem's title in its header, so the list reads
as the table it is.
"""

from __future__ import annotations

from typing import ClassVar

from vtoc.schemas import Candidate, FieldError


class DomainError(Exception):
    """400: the base of every error a service raises, with its status and title."""

    status: ClassVar[int] = 400
    title: ClassVar[str] = "Bad request"

    def __init_subclass__(cls, *, status: int | None = None, title: str | None = None) -> None:
        """A subclass without them keeps its parent's."""
        super().__init_subclass__()
        cls.status = status or cls.status
        cls.title = title or cls.title

    def __init__(self, detail: str, *, errors: list[FieldError] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or []


class NotFoundError(DomainError, status=404, title="Not found"):
    """No row answers to the reference (or the token's scope hides it)."""


class ConflictError(DomainError, status=409, title="Conflict"):
    """The change collides with what is stored: a taken name, a lease held by another."""


class AmbiguousError(ConflictError):
    """A reference that names several rows; ``candidates`` lists them to pick one by id."""

    def __init__(self, detail: str, *, candidates: list[Candidate]) -> None:
        super().__init__(detail)
        self.candidates = candidates


class StaleVersionError(DomainError, status=412, title="Precondition failed"):
    """The row changed since the version the client edited (``If-Match``)."""


class InvalidError(DomainError, status=422, title="Validation failed"):
    """Input that is well-formed but wrong, e.g. a reference to a row that does not exist."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}", errors=[FieldError(field=field, message=message)])


class MethodNotAllowedError(DomainError, status=405, title="Method not allowed"):
    """405: the resource exists but never takes this method (a journal entry is not edited).
    Its ``Allow`` header is the path's, added by ``methods.RouteByPath``."""


class TooLargeError(DomainError, status=413, title="Payload too large"):
    """A request over a configured size limit (a batch with too many items)."""


class AuthenticationError(DomainError, status=401, title="Unauthorized"):
    """No token, or one the server does not know (revoked, expired)."""


class PermissionDeniedError(DomainError, status=403, title="Forbidden"):
    """A known token whose role (or scope) does not allow this."""


class UnavailableError(DomainError, status=503, title="Service unavailable"):
    """A part of the server is not running (yet); clients retry later."""


class RateLimitedError(DomainError, status=429, title="Too many requests"):
    """429: this token sent more writes than its budget; ``retry_after`` seconds to wait."""

    def __init__(self, detail: str, *, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class DatabaseUnavailableError(DomainError, status=503, title="Database unavailable"):
    """The database did not answer (down, connections cut twice, statement timeout)."""
