"""The enums every model and client shares: statuses, kinds, severities, roles."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    viewer = "viewer"
    operator = "operator"
    admin = "admin"

    @property
    def rank(self) -> int:
        return list(Role).index(self)


class OperationStatus(StrEnum):
    planned = "planned"
    active = "active"
    paused = "paused"
    completed = "completed"
    cancelled = "cancelled"


class Priority(StrEnum):
    low = "low"
    medium = "medium"
    high = "high"
    critical = "critical"


class MissionStatus(StrEnum):
    pending = "pending"
    in_progress = "in_progress"
    blocked = "blocked"
    completed = "completed"
    failed = "failed"
    cancelled = "cancelled"


class AssetKind(StrEnum):
    personnel = "personnel"
    vehicle = "vehicle"
    aircraft = "aircraft"
    sensor = "sensor"
    server = "server"
    network = "network"
    other = "other"


class AssetStatus(StrEnum):
    available = "available"
    deployed = "deployed"
    maintenance = "maintenance"
    offline = "offline"
    unreachable = "unreachable"


class FixSource(StrEnum):
    """Where a position fix came from; part of its dedup key (asset, time, source)."""

    heartbeat = "heartbeat"
    nmea = "nmea"
    adsb = "adsb"
    ais = "ais"
    cot = "cot"
    api = "api"


class IntelSource(StrEnum):
    manual = "manual"
    wazuh = "wazuh"
    n8n = "n8n"
    agent = "agent"
    osint = "osint"
    other = "other"


class Severity(StrEnum):
    info = "info"
    low = "low"
    medium = "medium"
    high = "high"
    critical = "critical"

    @property
    def rank(self) -> int:
        return SEVERITY_RANKS[self]

    def raised(self) -> Severity:
        """One step up; critical stays critical."""
        order = list(Severity)
        return order[min(self.rank + 1, len(order) - 1)]


SEVERITY_RANKS = {severity: rank for rank, severity in enumerate(Severity)}


class TLP(StrEnum):
    clear = "clear"
    green = "green"
    amber = "amber"
    amber_strict = "amber+strict"
    red = "red"


class IndicatorKind(StrEnum):
    ipv4 = "ipv4"
    ipv6 = "ipv6"
    domain = "domain"
    url = "url"
    email = "email"
    md5 = "md5"
    sha1 = "sha1"
    sha256 = "sha256"
    cve = "cve"
    mitre = "mitre"
    user = "user"
    host = "host"
    path = "path"


#: The kinds that link reports by default: observables a campaign owns. A technique id
#: (``T1110``), a CVE, a user, a path or one of our own host names is shared by unrelated
#: activity and would fold every brute-force alert into one cluster.
LINKING_KINDS = (
    IndicatorKind.ipv4,
    IndicatorKind.ipv6,
    IndicatorKind.domain,
    IndicatorKind.url,
    IndicatorKind.email,
    IndicatorKind.md5,
    IndicatorKind.sha1,
    IndicatorKind.sha256,
)


class TaskStatus(StrEnum):
    queued = "queued"
    running = "running"
    done = "done"
    failed = "failed"
    cancelled = "cancelled"


class TaskAction(StrEnum):
    set_status = "set_status"
    assign_asset = "assign_asset"
    file_report = "file_report"
    webhook = "webhook"
    run_agent = "run_agent"


class AgentKind(StrEnum):
    monitor = "monitor"
    analyzer = "analyzer"
    executor = "executor"


class RunStatus(StrEnum):
    ok = "ok"
    error = "error"
    timeout = "timeout"
