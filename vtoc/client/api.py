"""Every call of the vTOC API, declared once: ``VtocClient`` and ``AsyncVtocClient`` both
inherit ``Calls``, so neither can lack one (tests/test_client.py enumerates them)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import orjson
from pydantic import BaseModel

from vtoc import schemas as s
from vtoc.client.calls import Call, list_of, model, page_of, params_of, request
from vtoc.client.rows import (
    AGENTS,
    ASSETS,
    EVENTS,
    HANDOVERS,
    INTEL,
    JOURNAL,
    MISSIONS,
    OPERATIONS,
    SSH_KEYS,
    TASKS,
    TOKENS,
    filters_of,
    rows,
)

CORRELATIONS_PATH = "/api/v1/correlations"
INGEST_WAZUH_PATH = "/api/v1/ingest/wazuh"
POSITIONS_PATH = "/api/v1/positions"
TRACKS_PATH = "/api/v1/tracks"
SSH_SESSIONS_PATH = "/api/v1/ssh/sessions"
SITREP_PATH = "/api/v1/sitrep"
WATCH_PATH = "/api/v1/watch"


class Calls:
    """The API as methods: rows of each resource, then the calls beyond them."""

    operations = rows(OPERATIONS)
    missions = rows(MISSIONS)
    assets = rows(ASSETS)
    intel = rows(INTEL)
    tasks = rows(TASKS)
    agents = rows(AGENTS)
    tokens = rows(TOKENS)
    events = rows(EVENTS)
    journal = rows(JOURNAL)
    handovers = rows(HANDOVERS)
    ssh_keys = rows(SSH_KEYS)

    # Identity and tokens ----------------------------------------------------------------

    @request
    def whoami(self) -> Call[s.WhoAmI]:
        return Call("GET", "/api/v1/whoami", model(s.WhoAmI))

    @request
    def create_token(self, data: s.TokenCreate) -> Call[s.TokenCreated]:
        """Never resent after the request left: a lost answer would lose the only copy of
        the secret."""
        body = data.model_dump(mode="json")
        return Call("POST", TOKENS.path, model(s.TokenCreated), json=body, idempotent=False)

    @request
    def revoke_token(self, ref: int | str) -> Call[s.Token]:
        return Call("DELETE", TOKENS.at(ref), model(s.Token))

    # SSH keys and sessions -------------------------------------------------------------

    @request
    def enroll_ssh_key(self, data: s.SshKeyCreate) -> Call[s.SshKey]:
        body = data.model_dump(mode="json")
        return Call("POST", SSH_KEYS.path, model(s.SshKey), json=body)

    @request
    def revoke_ssh_key(self, ref: int | str) -> Call[s.SshKey]:
        return Call("DELETE", SSH_KEYS.at(ref), model(s.SshKey))

    @request
    def open_ssh_session(self, fingerprint: str, client: str = "") -> Call[s.TokenCreated]:
        """A session token as the key's identity; never resent, like ``create_token``."""
        body = s.SshSessionCreate(fingerprint=fingerprint, client=client).model_dump()
        return Call("POST", SSH_SESSIONS_PATH, model(s.TokenCreated), json=body, idempotent=False)

    @request
    def close_ssh_session(self, token_id: int) -> Call[s.SshSession]:
        path = f"{SSH_SESSIONS_PATH}/{token_id}"
        return Call("DELETE", path, model(s.SshSession))

    # Missions, assets, intel ------------------------------------------------------------

    @request
    def assign_asset(
        self, mission: int | str, asset_id: int, *, assigned: bool = True
    ) -> Call[s.Mission]:
        method = "PUT" if assigned else "DELETE"
        return Call(method, MISSIONS.at(mission, "assets", str(asset_id)), model(s.Mission))

    @request
    def heartbeat(self, asset: int | str, beat: s.Heartbeat | None = None) -> Call[s.Asset]:
        body = (beat or s.Heartbeat()).model_dump(mode="json", exclude_none=True)
        return Call("POST", ASSETS.at(asset, "heartbeat"), model(s.Asset), json=body)

    @request
    def ingest_wazuh(self, alerts: bytes | Sequence[dict[str, Any]]) -> Call[s.IngestResult]:
        """Alerts as NDJSON (``bytes``, e.g. lines of alerts.json) or as decoded objects.

        Safe to resend: the server deduplicates on the alert id, so no Idempotency-Key.
        """
        if isinstance(alerts, bytes):
            ndjson = {"Content-Type": "application/x-ndjson"}
            return Call(
                "POST", INGEST_WAZUH_PATH, model(s.IngestResult), content=alerts, headers=ndjson
            )
        return Call("POST", INGEST_WAZUH_PATH, model(s.IngestResult), json=list(alerts))

    @request
    def post_positions(
        self, fixes: Sequence[s.FixIn | dict[str, Any]], *, create_assets: bool = False
    ) -> Call[s.PositionResult]:
        """Safe to resend: the server deduplicates on (asset, time, source)."""
        body = [
            f.model_dump(mode="json", exclude_none=True) if isinstance(f, BaseModel) else f
            for f in fixes
        ]
        return Call(
            "POST",
            POSITIONS_PATH,
            model(s.PositionResult),
            params={"create_assets": "true"} if create_assets else None,
            content=orjson.dumps(body),
            headers={"Content-Type": "application/json"},
        )

    @request
    def track(self, asset: int | str, query: s.TrackQuery | None = None) -> Call[s.Track]:
        params = params_of((query or s.TrackQuery()).model_dump(exclude_unset=True))
        return Call("GET", ASSETS.at(asset, "track"), model(s.Track), params=params)

    @request
    def tracks(self, query: s.TracksQuery | None = None) -> Call[s.Tracks]:
        """Many assets' recent tracks at once (a map's trails), each thinned on the server."""
        params = params_of((query or s.TracksQuery()).model_dump(exclude_unset=True))
        return Call("GET", TRACKS_PATH, model(s.Tracks), params=params)

    @request
    def dashboard(self) -> Call[s.Dashboard]:
        return Call("GET", "/api/v1/dashboard", model(s.Dashboard))

    @request
    def sitrep(self, query: s.SitrepQuery | None = None, /, **filters: Any) -> Call[s.Sitrep]:
        """The situation report of every operation or one, over the last ``hours``."""
        params = params_of(filters_of(SITREP_PATH, s.SitrepQuery, query, filters))
        return Call("GET", SITREP_PATH, model(s.Sitrep), params=params)

    @request
    def event_ticket(self) -> Call[s.EventTicket]:
        """A one-time pass for ``/events/stream?ticket=``, for clients that cannot send
        headers."""
        return Call("POST", f"{EVENTS.path}/ticket", model(s.EventTicket), idempotent=False)

    # Agents: triggers, leases, runs, task claims ----------------------------------------

    @request
    def trigger_agent(self, agent: int | str) -> Call[s.Agent]:
        return Call("POST", AGENTS.at(agent, "trigger"), model(s.Agent))

    @request
    def agent_runs(
        self, agent: int | str, *, limit: int = 50, cursor: str | None = None
    ) -> Call[s.Page[s.AgentRun]]:
        params = params_of({"limit": limit, "cursor": cursor})
        return Call("GET", AGENTS.at(agent, "runs"), page_of(s.AgentRun), params=params)

    @request
    def lease(
        self, agent: int | str, data: s.LeaseRequest, *, renew: bool = False
    ) -> Call[s.Agent]:
        """Not resent on a lost answer: a second grant attempt would only see its own
        lease (409)."""
        return Call(
            "PUT" if renew else "POST",
            AGENTS.at(agent, "lease"),
            model(s.Agent),
            json=data.model_dump(mode="json"),
            idempotent=renew,
        )

    @request
    def report_run(self, agent: int | str, data: s.RunReport) -> Call[s.AgentRun]:
        body = data.model_dump(mode="json", exclude_none=True)
        return Call(
            "POST", AGENTS.at(agent, "runs"), model(s.AgentRun), json=body, idempotent=False
        )

    @request
    def claim_tasks(self, data: s.TaskClaim) -> Call[list[s.Task]]:
        body = data.model_dump(mode="json")
        return Call("POST", f"{TASKS.path}/claim", list_of(s.Task), json=body, idempotent=False)

    @request
    def task_outcome(self, task: int, data: s.TaskOutcome) -> Call[s.Task]:
        body = data.model_dump(mode="json")
        return Call("POST", TASKS.at(task, "outcome"), model(s.Task), json=body, idempotent=False)

    # The journal, the timeline, acknowledgements, the watch ----------------------------

    @request
    def correct_entry(self, entry: int, data: s.JournalCorrection) -> Call[s.JournalEntry]:
        """File a correction of journal entry ``entry`` (entries are never edited)."""
        key = {"Idempotency-Key": str(uuid.uuid4())}  # a resent correction is filed once
        body = data.model_dump(mode="json")
        path = JOURNAL.at(entry, "corrections")
        return Call("POST", path, model(s.JournalEntry), json=body, headers=key)

    @request
    def timeline(
        self, operation: int | str, query: s.TimelineQuery | None = None, /, **filters: Any
    ) -> Call[s.Page[s.TimelineItem]]:
        """A page of the operation's timeline."""
        path = OPERATIONS.at(operation, "timeline")
        params = params_of(filters_of(path, s.TimelineQuery, query, filters))
        return Call("GET", path, page_of(s.TimelineItem), params=params)

    @request
    def timeline_export(
        self,
        operation: int | str,
        media: str,
        query: s.TimelineQuery | None = None,
        /,
        **filters: Any,
    ) -> Call[str]:
        """The whole timeline as ``text/markdown`` or ``text/csv``."""
        path = OPERATIONS.at(operation, "timeline")
        params = params_of(filters_of(path, s.TimelineQuery, query, filters))
        return Call("GET", path, lambda r: r.text, params=params, headers={"Accept": media})

    @request
    def acknowledge(self, report: int) -> Call[s.Ack]:
        """Record that you saw the report; acknowledged already, the first ack answers."""
        return Call("POST", INTEL.at(report, "ack"), model(s.Ack))

    @request
    def watch(self, query: s.WatchQuery | None = None, /, **filters: Any) -> Call[s.Watch]:
        """What needs a human now."""
        params = params_of(filters_of(WATCH_PATH, s.WatchQuery, query, filters))
        return Call("GET", WATCH_PATH, model(s.Watch), params=params)

    @request
    def accept_handover(self, handover: int) -> Call[s.Handover]:
        return Call("POST", HANDOVERS.at(handover, "accept"), model(s.Handover))

    @request
    def sweep_overdue(self) -> Call[s.OverdueSweep]:
        """Flag reports past their acknowledgement deadline (the monitor's job)."""
        return Call("POST", f"{WATCH_PATH}/sweep", model(s.OverdueSweep))

    # Correlations -----------------------------------------------------------------------

    @request
    def correlation_run(self, data: s.CorrelationRun) -> Call[s.CorrelationRunResult]:
        body = data.model_dump(mode="json")
        return Call("POST", f"{CORRELATIONS_PATH}/run", model(s.CorrelationRunResult), json=body)

    @request
    def correlations(
        self, *, limit: int = 50, cursor: str | None = None
    ) -> Call[s.Page[s.Correlation]]:
        params = params_of({"limit": limit, "cursor": cursor})
        return Call("GET", CORRELATIONS_PATH, page_of(s.Correlation), params=params)

    @request
    def correlation(self, correlation: int) -> Call[s.Correlation]:
        return Call("GET", f"{CORRELATIONS_PATH}/{correlation}", model(s.Correlation))

    @request
    def correlation_escalate(self, correlation: int) -> Call[s.Intel]:
        """Safe to resend: a cluster that has its summary returns it and changes nothing."""
        return Call("POST", f"{CORRELATIONS_PATH}/{correlation}/escalate", model(s.Intel))

    @request
    def correlated(self, report: int) -> Call[s.Correlated]:
        return Call("GET", INTEL.at(report, "correlated"), model(s.Correlated))
