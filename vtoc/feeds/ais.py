"""AIS (AIVDM/AIVDO) from a receiver: position reports become fixes of vessels, named by
their MMSI (a name that never changes, unlike a ship's name); static reports give the
ship's name, kept as the callsign of a vessel seen first after it.

A message's time is its tag block's ``c:`` when there is one (recorded logs), else the
time it was read (live receivers).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from pyais.exceptions import InvalidNMEAMessageException, UnknownMessageException
from pyais.messages import AISSentence, NMEASentenceFactory

from vtoc.feeds.decoded import Decoded
from vtoc.feeds.lines import Batch
from vtoc.schemas import AssetKind, FixIn, FixSource

POSITION_TYPES = frozenset({1, 2, 3, 18, 19, 27})
STATIC_TYPES = frozenset({5, 24})
NO_SPEED = 102.3
NO_COURSE = 360.0


def now() -> datetime:
    return datetime.now(UTC)


class AisDecoder:
    def __init__(self, *, clock: Callable[[], datetime] = now) -> None:
        self.clock = clock
        self.names: dict[int, str] = {}
        #: parts of multi-sentence messages, by (sequence id, channel)
        self.parts: dict[tuple[object, object], list[AISSentence]] = {}

    def decode(self, batch: Batch) -> Decoded:
        out = Decoded()
        for line, origin in zip(batch.lines, batch.starts, strict=True):
            try:
                sentence = self.whole(line.strip())
                if sentence is None:
                    continue
                fix = self.fix(sentence)
            except ValueError as exc:
                out.bad.append((origin, str(exc)))
                continue
            out.add(fix, origin)
        return out

    def whole(self, raw: bytes) -> AISSentence | None:
        """The message once all its sentences are in (None while some are missing)."""
        try:
            sentence = NMEASentenceFactory.produce(raw)
        except UnknownMessageException:
            raise ValueError(f"not an AIS sentence: {raw[:40]!r}") from None
        except InvalidNMEAMessageException as exc:
            raise ValueError(f"not a valid AIS sentence ({exc})") from None
        if not isinstance(sentence, AISSentence):
            raise ValueError(f"not an AIS sentence: {raw[:40]!r}")
        if not sentence.is_valid:
            raise ValueError(f"checksum does not match ({sentence.checksum:02X})")
        if sentence.frag_cnt == 1:
            return sentence
        key = (sentence.seq_id, sentence.channel)
        parts = self.parts.setdefault(key, [])
        if sentence.frag_num == 1:
            parts.clear()
        parts.append(sentence)
        if sentence.frag_num < sentence.frag_cnt:
            return None
        del self.parts[key]
        if [p.frag_num for p in parts] != list(range(1, sentence.frag_cnt + 1)):
            raise ValueError("a part of a multi-sentence message is missing")
        return AISSentence.assemble_from_iterable(parts)

    def fix(self, sentence: AISSentence) -> FixIn | None:
        try:
            message = sentence.decode()
        except Exception as exc:  # pyais raises assorted errors on a corrupt payload
            raise ValueError(f"undecodable AIS payload ({type(exc).__name__})") from None
        mmsi = int(getattr(message, "mmsi", 0))
        if message.msg_type in STATIC_TYPES:
            name = (getattr(message, "shipname", None) or "").strip(" @")
            if name:
                self.names[mmsi] = name
            return None
        if message.msg_type not in POSITION_TYPES:
            return None
        lat, lon = getattr(message, "lat", None), getattr(message, "lon", None)
        if lat is None or lon is None or abs(lat) > 90 or abs(lon) > 180:
            return None  # 91 / 181: no position
        speed = getattr(message, "speed", None)
        course = getattr(message, "course", None)
        return FixIn(
            asset=str(mmsi),
            at=self.time_of(sentence),
            lat=lat,
            lon=lon,
            speed=None if speed is None or speed >= NO_SPEED else round(speed * 1852 / 3600, 3),
            course=None if course is None or course >= NO_COURSE else course,
            source=FixSource.ais,
            kind=AssetKind.vehicle,
            callsign=self.names.get(mmsi),
        )

    def time_of(self, sentence: AISSentence) -> datetime:
        block = sentence.tag_block
        if block is not None:
            block.init()
            stamp = block.receiver_timestamp
            if stamp:
                seconds = float(stamp)
                if seconds > 10**11:  # some receivers log milliseconds
                    seconds /= 1000
                return datetime.fromtimestamp(seconds, UTC)
        return self.clock()
