"""Position fixes in and tracks out."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Strict, Tag, field_validator

from vtoc.schemas.base import Input, Name, Output, RowId, UtcDatetime, kind_of_field, storable
from vtoc.schemas.enums import AssetKind, FixSource
from vtoc.schemas.intel import IngestRejected

# Positions --------------------------------------------------------------------------------


#: a number in a fix: pydantic's strict float takes 12 and 12.5, not ``true`` or ``"12"``
Reading = Annotated[float, Strict()]


# Not an ``Input``: its check of every field in Python was a third of a batch's cost, and
# the numbers' bounds refuse NaN and Infinity already; only the texts and the time are
# checked, and the numbers are ``Reading``s.
class FixIn(BaseModel):
    """One position report. ``asset`` is an id (a JSON number) or a name (a JSON string):
    a name of digits only, such as an ICAO address, is still a name."""

    model_config = ConfigDict(extra="forbid")

    asset: Annotated[
        Annotated[RowId, Tag("id")] | Annotated[Name, Tag("name")],
        Discriminator(lambda v: "id" if isinstance(v, int) and not isinstance(v, bool) else "name"),
    ]
    at: UtcDatetime
    lat: Reading = Field(ge=-90, le=90)
    lon: Reading = Field(ge=-180, le=180)
    alt: Reading | None = Field(default=None, ge=-12_000, le=1_000_000, description="metres")
    course: Reading | None = Field(default=None, ge=0, le=360, description="degrees true")
    speed: Reading | None = Field(default=None, ge=0, le=100_000, description="metres/second")
    accuracy: Reading | None = Field(default=None, ge=0, le=10_000_000, description="metres")
    source: FixSource = FixSource.api
    kind: AssetKind | None = Field(default=None, description="for an asset create_assets adds")
    callsign: str | None = Field(default=None, max_length=100)

    @field_validator("asset", "callsign", mode="before")
    @classmethod
    def only_storable(cls, value: Any) -> Any:
        return storable(value)

    @field_validator("at", mode="before")
    @classmethod
    def a_time_not_a_number(cls, value: Any) -> Any:
        kind_of_field(cls, "at").check(value)
        return value


class Fix(Output):
    at: datetime
    lat: float
    lon: float
    alt: float | None = None
    course: float | None = None
    speed: float | None = None
    accuracy: float | None = None
    source: FixSource


class PositionResult(BaseModel):
    """What a batch of fixes became; ``rejected`` names each bad fix by its index."""

    stored: int = 0
    duplicates: int = 0
    assets_created: int = 0
    rejected: list[IngestRejected] = []


class TrackQuery(Input):
    since: UtcDatetime | None = Field(default=None, description="default: 24 h before until")
    until: UtcDatetime | None = Field(default=None, description="default: now")
    max_points: int = Field(default=1000, ge=2, le=10_000)


class Track(BaseModel):
    """An asset's fixes in time order; ``total`` counts them before thinning to max_points."""

    asset_id: int
    name: str
    since: datetime
    until: datetime
    total: int
    fixes: list[Fix]


#: the most fixes one ``/tracks`` answer carries (assets times points each)
TRACKS_MAX_FIXES = 200_000


class TracksQuery(Input):
    """Recent trails of many assets at once, for a map: each thinned on its own."""

    since: UtcDatetime | None = Field(default=None, description="default: 30 min before until")
    until: UtcDatetime | None = Field(default=None, description="default: now")
    max_points: int = Field(default=100, ge=2, le=10_000, description="per asset")
    limit: int = Field(default=1000, ge=1, le=5000, description="the most assets")
    asset: list[RowId] | None = Field(default=None, description="only these assets (ids)")


class Tracks(BaseModel):
    """The tracks of the assets with a fix in the range, by asset id; ``more`` when there
    were more such assets than ``limit``."""

    since: datetime
    until: datetime
    more: bool
    tracks: list[Track]
