"""Structured logs: JSON lines for machines, plain text on a terminal, secrets scrubbed.

The access log (logger ``vtoc.access``) writes one line per request with its request id,
actor, route template, status and duration. Every handler this module installs passes
records through ``Redactor`` first, so a token, an HMAC secret or a password in a database
URL that reaches a log message by accident is masked before it is written.
"""

from __future__ import annotations

import logging
import os
import re
import sys
import time
from collections.abc import Iterable
from typing import Any, Literal

import orjson
from pythonjsonlogger import json as pythonjson
from pythonjsonlogger.core import RESERVED_ATTRS

LogFormat = Literal["auto", "json", "text"]

ACCESS = logging.getLogger("vtoc.access")
MASK = "***"

# (pattern, replacement): bearer secrets, vTOC tokens, URL passwords, key=value secrets.
_SECRETS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+"), rf"\1 {MASK}"),
    (re.compile(r"\bvtoc_[A-Za-z0-9_-]{8,}"), f"vtoc_{MASK}"),
    (re.compile(r"(?i)(\b[a-z][a-z0-9+.-]*://[^:/@\s]*:)[^@\s]+@"), rf"\1{MASK}@"),
    (
        re.compile(
            r"(?i)\b(password|passwd|secret|token|api[_-]?key|signature)"
            r"(\"?\s*[=:]\s*\"?)[^\s\"',;&]+"
        ),
        rf"\1\2{MASK}",
    ),
]


#: every pattern above needs one of these, in any case: an ASCII text without any is left as
#: is, which spares the access log's nine fields the four regexes on every request (a
#: non-ASCII text takes the regexes, whose case folding is Unicode's)
_CLUES = re.compile(r"bearer|basic|vtoc_|://|passw|secret|token|apikey|api_key|api-key|signature")


def may_hold_secrets(text: str) -> bool:
    """Whether ``redact`` could change ``text``."""
    return not text.isascii() or _CLUES.search(text.lower()) is not None


def redact(text: str) -> str:
    """``text`` with everything that looks like a credential masked."""
    if not may_hold_secrets(text):
        return text
    for pattern, replacement in _SECRETS:
        text = pattern.sub(replacement, text)
    return text


#: a record's keys, in order, without those of a set: per (keys, set), as records of one
#: kind (every access line) have the same keys in the same order
_KEYS_BESIDES: dict[tuple[tuple[str, ...], frozenset[str]], tuple[str, ...]] = {}


def keys_besides(fields: dict[str, Any], left_out: frozenset[str]) -> tuple[str, ...]:
    """``fields``' keys not in ``left_out``, in order: looked up by the keys' tuple (made in
    C), not found by a Python loop over a record's ~30 fields on every line."""
    shape = (tuple(fields), left_out)
    found = _KEYS_BESIDES.get(shape)
    if found is None:
        if len(_KEYS_BESIDES) >= 256:  # records whose extras vary without end: start over
            _KEYS_BESIDES.clear()
        found = _KEYS_BESIDES[shape] = tuple(k for k in shape[0] if k not in left_out)
    return found


def masked(message: str, fields: dict[str, Any], keys: Iterable[str]) -> str:
    """``message`` redacted, and the text fields of ``fields`` under ``keys`` in place."""
    texts = [key for key in keys if isinstance(fields[key], str)]
    # one search over all of them (an access line has nine): a clue found across two of
    # them only costs the regexes
    if may_hold_secrets("\n".join([message, *(fields[key] for key in texts)])):
        message = redact(message)
        for key in texts:
            fields[key] = redact(fields[key])
    return message


class Redactor(logging.Filter):
    """Masks credentials in the message, its arguments and any extra string fields."""

    def filter(self, record: logging.LogRecord) -> bool:
        fields = record.__dict__
        record.msg = masked(record.getMessage(), fields, keys_besides(fields, _FROM_CODE))
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            # Formatters would render exc_info afresh, unredacted: keep only the masked text.
            record.exc_text = redact(record.exc_text)
            record.exc_info = None
        return True


#: a record's own fields, which logging fills from the code (file, function, thread, process
#: names…), not from data: only the message, the extras and a stack are searched
_FROM_CODE = frozenset(logging.makeLogRecord({}).__dict__) - {"stack_info"}


class TextFormatter(logging.Formatter):
    """``time level logger message key=value…`` for a human at a terminal."""

    _STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "taskName"}

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        extras = {k: v for k, v in record.__dict__.items() if k not in self._STANDARD}
        if extras:
            line += " " + " ".join(f"{k}={v}" for k, v in extras.items())
        return line


def make_formatter(fmt: LogFormat, stream: Any = None) -> logging.Formatter:
    if fmt == "auto":
        stream = stream or sys.stderr
        fmt = "text" if hasattr(stream, "isatty") and stream.isatty() else "json"
    if fmt == "text":
        return TextFormatter()
    return JsonFormatter(
        "%(asctime)s %(levelname)s %(name)s %(process)d %(message)s",
        # the worker process: with several workers, which one served a request
        rename_fields={"asctime": "time", "levelname": "level", "name": "logger", "process": "pid"},
        timestamp=False,
    )


#: what ``JsonFormatter`` leaves out of a line's extras: the record's own attributes, and
#: those its fixed fields show
_NOT_EXTRA = frozenset(RESERVED_ATTRS) | {"asctime", "levelname", "name", "process", "message"}


class JsonFormatter(pythonjson.JsonFormatter):
    """python-json-logger's lines, with the common record (a plain message, no exception or
    stack: every access-log line) built here in one pass: the library's general path cost
    more than a bare request's whole answer. ``test_observability`` holds both to the same
    output."""

    _clock: tuple[int, str] = (-1, "")
    #: the library's encoder, made once (``json.dumps`` makes one a line)
    _encoder = pythonjson.JsonEncoder()

    def format(self, record: logging.LogRecord) -> str:
        if isinstance(record.msg, dict) or record.exc_info or record.exc_text or record.stack_info:
            return str(super().format(record))
        line = {
            "time": self.formatTime(record),
            "level": record.levelname,
            "logger": record.name,
            "pid": record.process,
            "message": record.getMessage(),
        }
        fields = record.__dict__
        for key in keys_besides(fields, _NOT_EXTRA):
            if not key.startswith("_"):
                line[key] = fields[key]
        return self._encoder.encode(line)

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        if datefmt:
            return super().formatTime(record, datefmt)
        return self.stamp(record.created, record.msecs)

    def stamp(self, created: float, msecs: float) -> str:
        """``logging``'s own stamp, its seconds part rendered once a second."""
        second = int(created)
        if self._clock[0] != second:
            self._clock = (second, time.strftime(self.default_time_format, self.converter(created)))
        milliseconds = self.default_msec_format
        return milliseconds % (self._clock[1], msecs) if milliseconds else self._clock[1]


def make_handler(stream: Any, fmt: LogFormat = "auto") -> logging.Handler:
    """A handler writing formatted, redacted records to ``stream``."""
    handler = logging.StreamHandler(stream)
    handler.setFormatter(make_formatter(fmt, stream))
    handler.addFilter(Redactor())
    return handler


def configure(fmt: LogFormat = "auto", level: str = "INFO") -> None:
    """Send every log record (ours, uvicorn's, SQLAlchemy's) to stderr through the redactor.

    Called once per server process (each uvicorn worker imports ``vtoc.server.main``).
    """
    global _configured
    handler = _configured = make_handler(sys.stderr, fmt)
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    # uvicorn's own access log would duplicate ours without the request id and actor.
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True
    logging.getLogger("uvicorn.access").disabled = True


#: the handler ``configure`` installed on the root logger
_configured: logging.Handler | None = None


def write_access(message: str, extra: dict[str, str | int | float | None]) -> bool:
    """Write an access line straight to ``configure``'s JSON handler, the JSON object
    ``ACCESS.info(message, extra=extra)`` would write through it, when that handler is the
    only one the line would reach, and the line goes through nothing else that could change
    it (a filter, a record factory): ``logging``'s general walk (the record, the logger
    tree, the handler's filter and format calls) was most of an access line's cost and a
    sixth of a show request's under load. False: not written, take the general path."""
    handler = _configured
    if (
        not isinstance(handler, logging.StreamHandler)
        or not isinstance(handler.formatter, JsonFormatter)
        or handler.level > logging.INFO
        or len(handler.filters) != 1
        or not isinstance(handler.filters[0], Redactor)
        or logging.getLogRecordFactory() is not logging.LogRecord
        or not logging.logProcesses
        or handler.lock is None
        or ACCESS.filters
        or ACCESS.disabled
    ):
        return False
    reached: list[logging.Handler] = []  # the handlers ``Logger.callHandlers`` would call
    logger: logging.Logger | None = ACCESS
    while logger is not None:
        reached += logger.handlers
        logger = logger.parent if logger.propagate else None
    if reached != [handler]:
        return False
    now = time.time()
    msecs = int((now - int(now)) * 1000) + 0.0  # as LogRecord (gh-89047)
    line = {
        "time": handler.formatter.stamp(now, msecs),
        "level": "INFO",
        "logger": ACCESS.name,
        "pid": os.getpid(),
        "message": masked(message, extra, extra),
        **extra,
    }
    # the same JSON as the formatter's (its fields are strings, numbers and nulls), encoded
    # in a tenth of the time, without the blanks after commas and colons
    text = orjson.dumps(line).decode()
    with handler.lock:
        try:
            handler.stream.write(text + handler.terminator)
            handler.flush()
        except Exception:  # as ``StreamHandler.emit``: reported, and the request goes on
            failed = ACCESS.makeRecord(ACCESS.name, logging.INFO, "", 0, text, (), None)
            handler.handleError(failed)
    return True
