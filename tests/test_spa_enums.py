"""The SPA's copy of the server's enums (web/src/api/enums.ts) is the schemas' own."""

from __future__ import annotations

import re
from enum import StrEnum
from pathlib import Path

import pytest

from vtoc import schemas as s

ENUMS_TS = Path(__file__).parent.parent / "web" / "src" / "api" / "enums.ts"
CONSTANTS = {
    "OPERATION_STATUSES": s.OperationStatus,
    "MISSION_STATUSES": s.MissionStatus,
    "ASSET_STATUSES": s.AssetStatus,
    "ASSET_KINDS": s.AssetKind,
    "PRIORITIES": s.Priority,
    "SEVERITIES": s.Severity,
    "ENTITIES": s.Entity,
    "EVENT_KINDS": s.EventKind,
}


def spa_constants() -> dict[str, list[str]]:
    found = re.findall(r"export const (\w+) = \[(.*?)\] as const;", ENUMS_TS.read_text(), re.S)
    return {name: re.findall(r'"([^"]*)"', values) for name, values in found}


@pytest.mark.parametrize("name", CONSTANTS)
def test_the_spas_values_are_the_schemas_in_their_order(name: str) -> None:
    enum: type[StrEnum] = CONSTANTS[name]
    assert spa_constants().get(name) == [e.value for e in enum]


def test_the_spa_keeps_no_enum_the_test_does_not_compare() -> None:
    assert spa_constants().keys() == CONSTANTS.keys()


def test_every_event_kind_names_an_entity() -> None:
    assert {kind.entity for kind in s.EventKind} == set(s.Entity)
