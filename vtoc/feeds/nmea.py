"""NMEA 0183 from a GPS receiver: GGA and RMC sentences become fixes of one asset.

RMC carries the date, GGA only the time of day: a GGA is dated by the last RMC (or today,
UTC), and a time of day that jumps back by more than 12 hours is the next day. The GGA and
RMC of one epoch make one fix (altitude from the one, speed and course from the other).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta

import pynmea2

from vtoc.feeds.decoded import KNOTS, Decoded
from vtoc.feeds.lines import Batch
from vtoc.schemas import FixIn, FixSource


def today() -> date:
    return datetime.now(UTC).date()


class NmeaDecoder:
    def __init__(self, asset: str, *, today: Callable[[], date] = today) -> None:
        self.asset = asset
        self.today = today
        self.date: date | None = None
        self.last_time: time | None = None

    def decode(self, batch: Batch) -> Decoded:
        out = Decoded()
        epoch: dict[str, object] = {}
        epoch_at: tuple[time, int] | None = None  # its time of day, and its first line
        for line, origin in zip(batch.lines, batch.starts, strict=True):
            try:
                found = self.read(line.decode("ascii", "replace").strip())
            except ValueError as exc:
                out.bad.append((origin, str(exc)))
                continue
            if found is None:
                out.skipped += 1
                continue
            moment, fields = found
            if epoch_at is not None and moment != epoch_at[0]:
                out.add(self.fix(epoch_at[0], epoch), epoch_at[1])
                epoch = {}
            if epoch_at is None or moment != epoch_at[0]:
                epoch_at = (moment, origin)
            epoch.update(fields)
        if epoch_at is not None:
            out.add(self.fix(epoch_at[0], epoch), epoch_at[1])
        return out

    def read(self, text: str) -> tuple[time, dict[str, object]] | None:
        """The time of day and fields of a position sentence; None for any other sentence
        and for a receiver without a fix; ValueError naming what is wrong with a bad line."""
        try:
            msg = pynmea2.parse(text, check=True)
        except pynmea2.ChecksumError as exc:
            reason = exc.args[0]
            raise ValueError(reason[0] if isinstance(reason, tuple) else reason) from None
        except pynmea2.ParseError:
            raise ValueError(f"not an NMEA sentence: {text[:40]!r}") from None
        try:
            return self.fields_of(msg)
        except (ValueError, TypeError) as exc:
            raise ValueError(f"{msg.sentence_type}: a field is not a number ({exc})") from None

    def fields_of(self, msg: pynmea2.NMEASentence) -> tuple[time, dict[str, object]] | None:
        if isinstance(msg, pynmea2.RMC):
            if msg.status != "A" or not msg.lat or msg.datestamp is None:
                return None
            fields: dict[str, object] = {"date": msg.datestamp}
            fields |= {"lat": msg.latitude, "lon": msg.longitude}
            if msg.spd_over_grnd is not None:
                fields["speed"] = round(float(msg.spd_over_grnd) * KNOTS, 3)
            if msg.true_course is not None:
                fields["course"] = float(msg.true_course) % 360
            return msg.timestamp, fields
        if isinstance(msg, pynmea2.GGA):
            if not msg.gps_qual or not msg.lat or msg.timestamp is None:
                return None
            fields = {"lat": msg.latitude, "lon": msg.longitude}
            if msg.altitude is not None:
                fields["alt"] = float(msg.altitude)
            return msg.timestamp, fields
        return None

    def dated(self, moment: time, day: date | None) -> datetime:
        """The epoch's date: its RMC's, else the last RMC's (or today), the next day when
        the time of day went back by more than 12 hours (past midnight)."""
        if day is not None:
            self.date = day
        elif self.last_time is not None:
            ref = self.date or self.today()
            back = datetime.combine(ref, self.last_time) - datetime.combine(ref, moment)
            if back > timedelta(hours=12):
                self.date = ref + timedelta(days=1)
        self.last_time = moment.replace(tzinfo=None)
        return datetime.combine(self.date or self.today(), self.last_time, tzinfo=UTC)

    def fix(self, moment: time, fields: dict[str, object]) -> FixIn:
        day = fields.pop("date", None)
        at = self.dated(moment, day if isinstance(day, date) else None)
        return FixIn.model_validate(
            {"asset": self.asset, "at": at, "source": FixSource.nmea, **fields}
        )
