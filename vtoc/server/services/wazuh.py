"""Wazuh alerts → intelligence reports: the mapping of one alert, and reading a delivery.

Severity by ``rule.level`` (documented in docs/wazuh.md): 0-3 info, 4-7 low, 8-11 medium,
12-14 high, 15+ critical.
"""

from __future__ import annotations

import codecs
import hashlib
import ipaddress
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache, lru_cache
from typing import Any

import orjson

from vtoc.schemas import IndicatorKind, Severity, in_utc_calendar
from vtoc.server.db import utcnow
from vtoc.server.services.indicators import Found, extract, is_ipv4

LEVELS = ((15, Severity.critical), (12, Severity.high), (8, Severity.medium), (4, Severity.low))
TITLE_MAX = 500
VALUE_MAX = 1000
#: the width of the ``source_ref`` columns (intel reports, ingested alerts)
SOURCE_REF_MAX = 300
DEFAULT_FINGERPRINT = ("rule.id", "agent.name", "@main")

# What every alert's report reads: its id, title and agent.
HEADER_FIELDS = (
    "id",
    "manager.name",
    "rule.id",
    "rule.description",
    "agent.name",
    "agent.ip",
    "agent.id",
)
# Where Wazuh decoders put the observables, and what kind each one is.
IP_FIELDS = (
    "data.srcip",
    "data.src_ip",
    "data.win.eventdata.ipAddress",
    "data.dstip",
    "data.dest_ip",
)
TYPED_FIELDS: tuple[tuple[str, IndicatorKind], ...] = (
    ("data.url", IndicatorKind.url),
    ("data.dstuser", IndicatorKind.user),
    ("data.win.eventdata.targetUserName", IndicatorKind.user),
    ("syscheck.md5_after", IndicatorKind.md5),
    ("syscheck.sha1_after", IndicatorKind.sha1),
    ("syscheck.sha256_after", IndicatorKind.sha256),
    ("syscheck.path", IndicatorKind.path),
    ("data.vulnerability.cve", IndicatorKind.cve),
)
HASH_KINDS = frozenset({IndicatorKind.md5, IndicatorKind.sha1, IndicatorKind.sha256})
# The observable that tells one flood from another: the attacker, the file, the CVE.
MAIN_FIELDS = (
    "data.srcip",
    "data.src_ip",
    "data.win.eventdata.ipAddress",
    "syscheck.path",
    "data.vulnerability.cve",
    "data.dstuser",
    "data.url",
)


class AlertError(ValueError):
    """An alert that cannot become a report; the message names the field."""


def refuse_nul(path: str, text: str) -> str:
    """``text``, unless it holds NUL: PostgreSQL text cannot, and this text becomes a key,
    a title, an asset's name or an indicator (``full_log``, only stored, drops its NULs)."""
    if "\x00" in text:
        raise AlertError(f"{path}: NUL (0x00) characters are not allowed")
    return text


@dataclass
class Alert:
    """One Wazuh alert, mapped to what its report needs."""

    source_ref: str
    title: str
    body: str
    severity: Severity
    observed_at: datetime
    agent_name: str | None
    agent_ip: str | None
    agent_id: str | None
    indicators: list[Found]
    fingerprint: str
    raw: dict[str, Any] = field(repr=False)


def severity_for(level: int) -> Severity:
    for floor, severity in LEVELS:
        if level >= floor:
            return severity
    return Severity.info


@cache
def steps(path: str) -> tuple[str, ...]:
    return tuple(path.split("."))


def pick(alert: dict[str, Any], path: str) -> Any:
    """The value at a dotted path, or None when any step is missing."""
    value: Any = alert
    for key in steps(path):
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def text_at(alert: dict[str, Any], path: str) -> str | None:
    value = pick(alert, path)
    if value is None or isinstance(value, dict | list):
        return None
    text = str(value).strip()
    return text or None


def parse_time(value: Any) -> datetime:
    """Wazuh writes ``2026-11-22T06:00:42.970+0000``; a missing time means "now"."""
    if value is None:
        return utcnow()
    if not isinstance(value, str):
        raise AlertError("timestamp: expected a string")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise AlertError(f"timestamp: not a date: {value[:40]!r}") from None
    if parsed.tzinfo is None:
        raise AlertError("timestamp: no UTC offset")
    try:
        return in_utc_calendar(parsed)
    except ValueError as exc:
        raise AlertError(f"timestamp: {exc}") from None


@lru_cache(maxsize=65536)
def ip_indicator(value: str) -> Found | None:
    if is_ipv4(value):  # most are: no ``ipaddress`` object needed to print it as it is
        return IndicatorKind.ipv4, value
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    kind = IndicatorKind.ipv4 if address.version == 4 else IndicatorKind.ipv6
    return kind, address.compressed


def _tree(paths: tuple[str, ...]) -> dict[str, Any]:
    """The dotted paths as nested dicts, each leaf the path itself."""
    tree: dict[str, Any] = {}
    for path in paths:
        *parents, leaf = steps(path)
        node = tree
        for key in parents:
            node = node.setdefault(key, {})
        node[leaf] = path
    return tree


# Every path the mapping reads as text, walked once per alert: most alerts have a few of
# these fields, and a walk skips a whole absent subtree (no ``data``, no ``syscheck``).
OBSERVED = _tree(
    tuple(
        dict.fromkeys(
            (*HEADER_FIELDS, *IP_FIELDS, *(path for path, _ in TYPED_FIELDS), *MAIN_FIELDS)
        )
    )
)


def observed_texts(alert: dict[str, Any]) -> dict[str, str]:
    """The non-empty texts at the ``OBSERVED`` paths, by path; ``AlertError`` for a NUL."""
    found: dict[str, str] = {}
    pending: list[tuple[dict[str, Any], dict[str, Any]]] = [(alert, OBSERVED)]
    while pending:
        node, tree = pending.pop()
        for key, sub in tree.items():
            value = node.get(key)
            if value is None:
                continue
            if isinstance(sub, str):
                if not isinstance(value, dict | list) and (text := str(value).strip()):
                    found[sub] = refuse_nul(sub, text)
            elif isinstance(value, dict):
                pending.append((value, sub))
    return found


def indicators_of(alert: dict[str, Any], texts: dict[str, str], full_log: str) -> list[Found]:
    found: dict[Found, None] = {}
    for path in IP_FIELDS:
        value = texts.get(path)
        if value and (item := ip_indicator(value)):
            found.setdefault(item, None)
    for path, kind in TYPED_FIELDS:
        value = texts.get(path)
        if value:
            lowered = value.lower() if kind in HASH_KINDS else value
            found.setdefault((kind, lowered[:VALUE_MAX]), None)
    rule = alert.get("rule")
    mitre = rule.get("mitre") if isinstance(rule, dict) else None
    techniques = mitre.get("id") if isinstance(mitre, dict) else None
    for technique in techniques if isinstance(techniques, list) else []:
        technique_id = refuse_nul("rule.mitre.id", str(technique))
        found.setdefault((IndicatorKind.mitre, technique_id[:VALUE_MAX]), None)
    if full_log:
        for kind, value in extract(full_log):
            found.setdefault((kind, value[:VALUE_MAX]), None)
    return list(found)


def main_indicator(texts: dict[str, str]) -> str:
    for path in MAIN_FIELDS:
        if value := texts.get(path):
            return value
    return ""


def fingerprint_of(
    alert: dict[str, Any], texts: dict[str, str], fields: tuple[str, ...] | list[str]
) -> str:
    """A short hash of the fields that make two alerts "the same thing happening again"."""
    parts = [
        main_indicator(texts) if f == "@main" else texts.get(f) or text_at(alert, f) or ""
        for f in fields
    ]
    return hashlib.blake2b("\x1f".join(parts).encode(), digest_size=16).hexdigest()


def source_ref_of(manager: str, alert_id: str) -> str:
    """``manager/id``, which retries dedup on. One longer than the column keeps its start
    and ends in a digest of the whole: cut short, two ids sharing their first 300
    characters collided and the second alert was dropped as a duplicate. Kept rather than
    refused: Wazuh's sender cannot change its ids, and an alert refused is evidence lost;
    the full id stays in the report's raw alert."""
    ref = f"{manager}/{alert_id}"
    if len(ref) <= SOURCE_REF_MAX:
        return ref
    digest = hashlib.blake2b(ref.encode(), digest_size=16).hexdigest()
    return f"{ref[: SOURCE_REF_MAX - len(digest) - 1]}#{digest}"


def map_alert(alert: Any, fingerprints: dict[str, list[str]] | None = None) -> Alert:
    """Map one decoded alert, or raise ``AlertError`` naming the field that is wrong."""
    if not isinstance(alert, dict):
        raise AlertError(f"alert: expected a JSON object, got {type(alert).__name__}")
    texts = observed_texts(alert)
    alert_id = texts.get("id")
    if alert_id is None:
        raise AlertError("id: missing")
    manager = texts.get("manager.name") or "wazuh"
    rule = alert.get("rule")
    if rule is not None and not isinstance(rule, dict):
        raise AlertError("rule: expected an object")
    level = pick(alert, "rule.level")
    if level is None:
        level = 0
    if isinstance(level, str) and level.isascii() and level.isdigit() and len(level) <= 9:
        level = int(level)  # ASCII only: "¹" passes isdigit() and then fails int()
    if isinstance(level, bool) or not isinstance(level, int) or level < 0:
        raise AlertError("rule.level: expected a whole number")
    rule_id = texts.get("rule.id")
    title = texts.get("rule.description") or f"Wazuh rule {rule_id or 'alert'}"
    full_log = alert.get("full_log")
    body = full_log.replace("\x00", "") if isinstance(full_log, str) else ""  # no NUL in text
    fields = (fingerprints or {}).get(rule_id or "") or DEFAULT_FINGERPRINT
    return Alert(
        source_ref=source_ref_of(manager, alert_id),
        title=title[:TITLE_MAX],
        body=body,
        severity=severity_for(level),
        observed_at=parse_time(alert.get("timestamp")),
        agent_name=(texts.get("agent.name") or "")[:200] or None,
        agent_ip=texts.get("agent.ip"),
        agent_id=texts.get("agent.id"),
        indicators=indicators_of(alert, texts, body),
        fingerprint=fingerprint_of(alert, texts, fields),
        raw=alert,
    )


def decode(body: bytes, content_type: str) -> list[Any | AlertError]:
    """The alerts in a delivery: one object, an array, or one JSON document a line.

    A line that is not JSON becomes an ``AlertError`` in its place, so the good lines of
    the same delivery still count. A UTF-8 byte order mark (Windows tools write one) goes.
    """
    body = body.removeprefix(codecs.BOM_UTF8)
    if "ndjson" not in content_type:
        try:
            whole = orjson.loads(body)
        except orjson.JSONDecodeError:
            pass  # alerts.json as Wazuh writes it: one alert a line
        else:
            return whole if isinstance(whole, list) else [whole]
    items: list[Any | AlertError] = []
    for number, line in enumerate(body.splitlines()):
        if not line.strip():
            continue
        try:
            items.append(orjson.loads(line))
        except orjson.JSONDecodeError as exc:
            items.append(AlertError(f"line {number + 1}: not JSON ({exc})"))
    return items
