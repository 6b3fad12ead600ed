"""A believable demo scenario: a few operations, their missions and assets, and intel
reports from four intrusion campaigns (each with its own infrastructure, so correlation finds
one cluster per campaign) among scans and patrol reports that link nothing."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vtoc import schemas as s
from vtoc.server.auth import DEMO_ACTOR
from vtoc.server.db import utcnow
from vtoc.server.models import Asset
from vtoc.server.services.assets import assets
from vtoc.server.services.intel import intel
from vtoc.server.services.missions import missions
from vtoc.server.services.operations import operations

OPERATIONS = [
    ("Northern Watch", "Border sensor network surveillance and response.", s.Priority.high),
    ("Iron Harbor", "Port security during the fleet exercise.", s.Priority.critical),
    (
        "Quiet Meadow",
        "Protect the regional data centre from an active intrusion set.",
        s.Priority.high,
    ),
    ("Silver Bridge", "Logistics corridor escort and route clearance.", s.Priority.medium),
]
MISSION_VERBS = ["Patrol", "Secure", "Survey", "Escort", "Harden", "Monitor", "Relay", "Clear"]
MISSION_PLACES = [
    "sector 4",
    "the north gate",
    "pier 7",
    "the ridge line",
    "DC hall B",
    "checkpoint Delta",
    "the VPN gateway",
    "route Amber",
    "the relay mast",
]
ASSETS = [
    (s.AssetKind.vehicle, "Ranger", 8),
    (s.AssetKind.aircraft, "Hawk", 4),
    (s.AssetKind.personnel, "Team", 10),
    (s.AssetKind.sensor, "Seismic", 8),
    (s.AssetKind.server, "srv-web", 6),
    (s.AssetKind.network, "fw-edge", 3),
]


@dataclass(frozen=True)
class Campaign:
    """One intrusion set: its reports share its infrastructure, so the analyzer finds one
    cluster per campaign (technique ids and CVEs do not link; see ``LINKING_KINDS``)."""

    ips: tuple[str, str]
    domain: str
    hash: str
    templates: tuple[tuple[s.Severity, str, str], ...]


CAMPAIGNS = [
    Campaign(
        ("203.0.113.7", "203.0.113.99"),
        "vpn-helpdesk.site",
        "44d88612fea8a8f36de82e1278abb02f",
        (
            (
                s.Severity.medium,
                "sshd: brute force from {ip}",
                "Multiple authentication failures for root from {ip} port 22 (T1110.001).",
            ),
            (
                s.Severity.high,
                "Password spray from {ip} and {ip2}",
                "Failed logins for 40 accounts on {host}, first from {ip}, then {ip2} (T1110.003).",
            ),
        ),
    ),
    Campaign(
        ("45.155.205.12", "45.155.205.13"),
        "cdn-static.top",
        "3395856ce81f2b7382dee72602f798b642f14140",
        (
            (
                s.Severity.high,
                "Beacon to {domain}",
                "Host {host} resolved {domain} and connected to {ip} every 60 s; possible C2 "
                "(T1071).",
            ),
            (
                s.Severity.critical,
                "Malware hash seen on {host}",
                "File with SHA {hash} written on {host}; downloaded from "
                "http://{domain}/payload.bin.",
            ),
        ),
    ),
    Campaign(
        ("192.0.2.44", "192.0.2.45"),
        "update-check.xyz",
        "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f",
        (
            (
                s.Severity.high,
                "Exploit attempt CVE-2024-3094 against {host}",
                "Request from {ip} matching CVE-2024-3094 (T1190) against {host}; the payload "
                "fetched {hash} from {domain}.",
            ),
        ),
    ),
    Campaign(
        ("198.51.100.23", "198.51.100.24"),
        "login-portal.online",
        "e99a18c428cb38d5f260853678922e03",
        (
            (
                s.Severity.medium,
                "Phishing page {domain}",
                "{domain} ({ip}) imitates the VPN sign-in; three users opened the link (T1566).",
            ),
        ),
    ),
]
NOISE = [
    (
        s.Severity.low,
        "Port scan from {scanner}",
        "Sensor saw a SYN sweep of 1,024 ports from {scanner}.",
    ),
    (s.Severity.info, "Patrol report", "Route clear, no contacts. Fuel state nominal."),
]


def seed_scenario(session: Session, *, reports: int, seed: int) -> dict[str, int]:
    """Add the scenario to whatever is there; numbering continues after existing rows."""
    rng = random.Random(seed)
    now = utcnow()
    # Asset names number on from the assets there: a second seed must not reuse "Ranger-05".
    start = session.scalar(select(func.count()).select_from(Asset)) or 0
    ops = [
        operations.create(
            session,
            actor=DEMO_ACTOR,
            data=s.OperationCreate(
                name=name,
                description=description,
                priority=priority,
                status=s.OperationStatus.active if i < 3 else s.OperationStatus.planned,
                commander=rng.choice(["Maj. Okafor", "Cpt. Lindqvist", "Lt. Reyes"]),
                start_at=now - timedelta(days=rng.randint(1, 20)),
            ),
        )
        for i, (name, description, priority) in enumerate(OPERATIONS)
    ]
    fleet = []
    for kind, stem, count in ASSETS:
        for n in range(1, count + 1):
            fleet.append(
                assets.create(
                    session,
                    actor=DEMO_ACTOR,
                    data=s.AssetCreate(
                        name=f"{stem}-{start + n:02d}",
                        kind=kind,
                        status=rng.choice(
                            [
                                s.AssetStatus.available,
                                s.AssetStatus.deployed,
                                s.AssetStatus.deployed,
                                s.AssetStatus.maintenance,
                            ]
                        ),
                        callsign=f"{stem.upper()}{n}",
                        lat=round(59.3 + rng.uniform(-1.5, 1.5), 5),
                        lon=round(18.0 + rng.uniform(-3, 3), 5),
                        heartbeat_seconds=rng.choice([300, 900, 3600]),
                    ),
                )
            )
    mission_count = 0
    for op in ops:
        for _ in range(rng.randint(6, 10)):
            due = now + timedelta(hours=rng.randint(-48, 96))
            missions.create(
                session,
                actor=DEMO_ACTOR,
                data=s.MissionCreate(
                    operation_id=op.id,
                    name=f"{rng.choice(MISSION_VERBS)} {rng.choice(MISSION_PLACES)}",
                    objective="Keep the area under observation and report contacts.",
                    status=rng.choice(list(s.MissionStatus)),
                    priority=rng.choice(list(s.Priority)),
                    due_at=due,
                    asset_ids=[a.id for a in rng.sample(fleet, rng.randint(1, 4))],
                ),
            )
            mission_count += 1
    servers = [a for a in fleet if a.kind == s.AssetKind.server]
    for i in range(reports):
        host = rng.choice(servers)
        if rng.random() < 0.3:
            severity, title, body = rng.choice(NOISE)
            campaign = None
        else:
            campaign = rng.choice(CAMPAIGNS)
            severity, title, body = rng.choice(campaign.templates)
        ip, ip2 = campaign.ips if campaign else ("", "")
        values = {
            "ip": ip if rng.random() < 0.5 else ip2,
            "ip2": ip2,
            "domain": campaign.domain if campaign else "",
            "hash": campaign.hash if campaign else "",
            "host": host.name,
            # scanners from the benchmark range, mostly one-off: noise that links nothing
            "scanner": f"198.18.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
        }
        intel.create(
            session,
            actor=DEMO_ACTOR,
            data=s.IntelCreate(
                title=title.format(**values),
                body=body.format(**values),
                source=rng.choice([s.IntelSource.manual, s.IntelSource.osint]),
                severity=severity,
                confidence=rng.randint(30, 95),
                observed_at=now - timedelta(minutes=rng.randint(0, 60 * 24 * 3) + i % 7),
                operation_id=rng.choice(ops).id if rng.random() < 0.7 else None,
                asset_id=host.id,
            ),
        )
    return {
        "operations": len(ops),
        "missions": mission_count,
        "assets": len(fleet),
        "intel reports": reports,
    }
