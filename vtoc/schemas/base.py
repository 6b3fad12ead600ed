"""What every model stands on: inputs and outputs, pages, problems, ids, field types."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field as dc_field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from enum import Enum
from functools import cache
from types import UnionType
from typing import Annotated, Any, Generic, Literal, TypeVar, Union, get_args, get_origin
from uuid import UUID

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError

T = TypeVar("T")


def storable(value: Any) -> Any:
    """Refuse by field, not with a 500 or a silent NULL later, what no column stores: NUL
    (0x00) in text, which PostgreSQL refuses, and NaN or Infinity, which JSON has no words
    for (PostgreSQL refused them, SQLite stored null)."""
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError("NUL (0x00) characters are not allowed")
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("NaN and Infinity are not numbers JSON can hold")
    elif isinstance(value, list | tuple):
        for item in value:
            storable(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            storable(key)
            storable(item)
    return value


#: what a JSON number stands for; and what the schema says is a JSON string (an IntEnum is
#: a number: it is an int first; pydantic's AwareDatetime is no datetime subclass)
NUMBERS = (int, float, Decimal)
TEXTS = (str, datetime, AwareDatetime, date, time, timedelta, UUID, Enum)


def alternatives(annotation: Any) -> list[Any]:
    """The types an annotation admits, without ``Annotated`` and ``Optional`` around them."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return alternatives(get_args(annotation)[0])
    if origin is Union or origin is UnionType:
        return [kind for arg in get_args(annotation) for kind in alternatives(arg)]
    if origin is Literal:
        return [type(value) for value in get_args(annotation)]
    return [annotation]


def takes_any(kinds: list[Any], classes: tuple[type, ...]) -> bool:
    return any(isinstance(k, type) and issubclass(k, classes) for k in kinds)


@dataclass(frozen=True)
class JsonKind:
    """What JSON a field takes, as its schema states it, worked out once per field
    (``kind_of_field``): pydantic alone stores ``true`` as the number 1 (``"operation_id":
    true`` was operation 1, ``"lon": false`` was 0.0) and a number as a time; a client
    generator reading the schema sends neither. Into lists, objects and nested models, where
    the annotation says what they hold. A string for a number stays accepted: query strings
    are text."""

    #: true or false stand for no number here: the field is a number, not a boolean
    no_boolean: bool = False
    #: a number stands for no text or time here
    no_number: bool = False
    #: what a list's items, an object's values, a nested model's fields take
    items: JsonKind | None = None
    values: JsonKind | None = None
    fields: Mapping[str, JsonKind] = dc_field(default_factory=dict)

    def check(self, value: Any) -> None:
        if isinstance(value, bool):
            if self.no_boolean:
                raise PydanticCustomError("json_kind", "must be a number, not true or false")
        elif isinstance(value, int | float):
            if self.no_number:
                raise PydanticCustomError("json_kind", "must be text, not a number")
        elif isinstance(value, list) and self.items is not None:
            for item in value:
                self.items.check(item)
        elif isinstance(value, dict):
            for name, item in value.items():
                inner = self.fields.get(name, self.values)
                if inner is not None:
                    inner.check(item)


def json_kind(annotation: Any) -> JsonKind:
    kinds = alternatives(annotation)
    if Any in kinds or object in kinds:
        return JsonKind()
    items = values = None
    fields: dict[str, JsonKind] = {}
    for kind in kinds:
        args = get_args(kind)
        if isinstance(kind, type) and issubclass(kind, BaseModel):
            fields |= {name: json_kind(f.annotation) for name, f in kind.model_fields.items()}
        elif get_origin(kind) in (list, set, frozenset) and args:
            items = json_kind(args[0])
        elif get_origin(kind) is dict and len(args) == 2:
            values = json_kind(args[1])
    return JsonKind(
        no_boolean=bool not in kinds and takes_any(kinds, NUMBERS),
        no_number=takes_any(kinds, TEXTS) and not takes_any(kinds, NUMBERS),
        items=items,
        values=values,
        fields=fields,
    )


@cache
def kind_of_field(model: type[BaseModel], name: str) -> JsonKind:
    return json_kind(model.model_fields[name].annotation)


class Input(BaseModel):
    """Request bodies and query strings: unknown fields are an error, not silently dropped,
    and so is a value no database column can store or of another kind than the schema
    says (``JsonKind``)."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="before")
    @classmethod
    def only_storable(cls, value: Any, info: ValidationInfo) -> Any:
        if info.field_name is not None:
            kind_of_field(cls, info.field_name).check(value)
        return storable(value)


class Output(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class Page(BaseModel, Generic[T]):
    """One page of a list; pass ``next_cursor`` back as ``cursor`` for the next one."""

    items: list[T]
    next_cursor: str | None = None


class DeleteImpact(Output):
    """What deleting a row takes with it, counted by entity (``{"mission": 7}``), so that a
    client's confirmation can say so before: "Delete OP-0004 and its 7 missions?"."""

    #: rows deleted with it
    deletes: dict[str, int] = {}
    #: rows that stay but lose their link to it (or, for a report, its cluster's membership)
    unlinks: dict[str, int] = {}


class FieldError(BaseModel):
    field: str
    message: str


class Candidate(BaseModel):
    """One of the rows an ambiguous reference names."""

    id: int
    label: str


class Problem(BaseModel):
    """RFC 9457 problem details, the body of every error answer."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    errors: list[FieldError] = []
    #: a 409 for a name several rows share: those rows, to pick one by id
    candidates: list[Candidate] = []


#: What names a thing (an operation, a mission, an asset, a report's title): the spaces
#: around it are not part of it, and one of only spaces names nothing (a 422 naming the field).
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
# Bounds of the database's integer columns: a larger number is a 422 naming the field,
# not an overflow inside the driver.
MAX_ROW_ID = 2**63 - 1
MAX_INT32 = 2**31 - 1
RowId = Annotated[int, Field(ge=1, le=MAX_ROW_ID)]


def id_in_text(text: str) -> int | None:
    """``text`` as a number an id column can hold (0 included): ASCII digits only, and few
    enough that ``int()`` never meets Python's 4,300-digit limit (a 500 before)."""
    if not (text.isascii() and text.isdigit() and len(text) <= len(str(MAX_ROW_ID))):
        return None
    number = int(text)
    return number if number <= MAX_ROW_ID else None


def row_id(ref: int | str) -> int | None:
    """``ref`` as a row id when it is one: ASCII digits within the id column's range. The
    server and the CLI read a reference alike: "OP-7" or "٣" is a name, "3" is row 3."""
    number = id_in_text(ref) if isinstance(ref, str) else ref
    return number if number is not None and 0 < number <= MAX_ROW_ID else None


def in_utc_calendar(value: datetime) -> datetime:
    """The time in UTC, as the database stores it: the answer to a create then reads like
    every later GET (it echoed "+05:30" before). A time that leaves years 1-9999 in UTC is a
    422 naming the field, not an overflow at the write."""
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError("the date is out of range once converted to UTC") from None


#: A time with its UTC offset, as every input takes one; kept in UTC.
UtcDatetime = Annotated[AwareDatetime, AfterValidator(in_utc_calendar)]

Latitude = Field(default=None, ge=-90, le=90)
Longitude = Field(default=None, ge=-180, le=180)
