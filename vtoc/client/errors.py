"""What a failed request raises: one exception class per answer a caller handles apart."""

from __future__ import annotations

import contextlib
import re

import httpx

from vtoc import schemas as s

#: the class each error status raises, filled in by the classes' headers
_BY_STATUS: dict[int, type[VtocError]] = {}


class VtocError(Exception):
    """A request failed; ``problem`` holds the server's RFC 9457 answer when there was one.

    A subclass names the status it stands for in its header (``status=404``); an error's
    own ``status`` is the one the server answered."""

    status: int | None = None

    def __init_subclass__(cls, *, status: int) -> None:
        super().__init_subclass__()
        cls.status = status
        _BY_STATUS[status] = cls

    def __init__(self, message: str, *, problem: s.Problem | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.problem = problem

    @property
    def errors(self) -> list[s.FieldError]:
        return self.problem.errors if self.problem else []


class AuthError(VtocError, status=401):
    """401: no token, or one the server does not accept."""


class Forbidden(VtocError, status=403):
    """403: the token's role is too low for this."""


class NotFound(VtocError, status=404):
    """404: no row answers to the reference (or the token's scope hides it)."""


class Conflict(VtocError, status=409):
    """409: a duplicate, or an idempotency key reused with another body."""


class PreconditionFailed(Conflict, status=412):
    """412: someone changed the row since you read it (stale ``If-Match``)."""


class PayloadTooLarge(VtocError, status=413):
    """413: a body or batch over the server's size limit."""


class ValidationFailed(VtocError, status=422):
    """422: the server named the fields that were wrong in ``errors``."""


class Unavailable(VtocError, status=503):
    """The server could not be reached, or said it is not ready (503)."""


#: answers after which trying again may help (a proxy's 502-504: the server behind it may
#: be back soon); any other error status is final
RETRYABLE_STATUS = frozenset({502, 503, 504})


def foreign(response: httpx.Response, asked: str | None = None) -> VtocError | None:
    """An answer that is not the API's (an HTML page from a proxy, a login portal, another
    service on the port) as one line that says what answered; None for the API's own: JSON,
    an event stream, or the media type the call ``asked`` for (an export's Markdown)."""
    kind = response.headers.get("content-type", "").partition(";")[0].strip().lower()
    if not response.content or kind.endswith("json") or kind in ("text/event-stream", asked):
        return None
    what = f"a {kind} answer" if kind else "an answer without a content type"
    if kind == "text/html":
        title = re.search(r"<title[^>]*>(.*?)</title>", response.text, re.IGNORECASE | re.DOTALL)
        heading = " ".join(title.group(1).split())[:80] if title else ""
        what = f"an HTML page ({heading!r})" if heading else "an HTML page"
    url = response.request.url.copy_with(query=None)
    cls = Unavailable if response.status_code in RETRYABLE_STATUS else VtocError
    error = cls(
        f"{url} answered HTTP {response.status_code} with {what}, not the vTOC API: "
        "check the server URL (a proxy in the way, or another port?)"
    )
    error.status = response.status_code
    return error


def error_for(response: httpx.Response) -> VtocError:
    if (other := foreign(response)) is not None:
        return other
    problem: s.Problem | None = None
    with contextlib.suppress(ValueError):
        problem = s.Problem.model_validate(response.json())
    message = (problem.detail or problem.title) if problem else response.text[:200]
    cls = _BY_STATUS.get(response.status_code, VtocError)
    error = cls(message or f"HTTP {response.status_code}", problem=problem)
    error.status = response.status_code
    return error


def unreachable(base_url: str, exc: Exception) -> Unavailable:
    reason = str(exc) or type(exc).__name__
    return Unavailable(f"cannot reach the vTOC server at {base_url}: {reason}")
