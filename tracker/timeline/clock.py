"""Hours since the injection for each photo, and what the clock cannot tell us.

Time conventions (documented once, used everywhere):

- A naive ``datetime`` is local wall-clock time (EXIF ``DateTimeOriginal`` without
  ``OffsetTimeOriginal``, or a time typed into a form).
- When both times are aware, they are subtracted as instants.
- When one is aware and the other naive, the wall-clock readings are compared
  (the aware one's ``tzinfo`` is dropped). A patient photographing in the same
  place they were injected gets the right answer; across a time-zone change the
  result can be off by the zone difference, which is why a note says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Sequence

from tracker.measurement import PhotoMeasurement

#: A photo taken up to this many hours "before" the injection is treated as taken
#: at the injection (camera and form clocks disagree by minutes).
CLOCK_TOLERANCE_HOURS = 0.25

TimeMode = Literal["since_injection", "since_first_photo", "order_only"]


def hours_between(start: datetime, end: datetime) -> tuple[float, bool]:
    """Hours from ``start`` to ``end``, and whether wall clocks of mixed kinds were compared.

    Returns
    -------
    hours : float
        Negative when ``end`` is before ``start``.
    mixed : bool
        True when one time was aware and the other naive (wall-clock comparison).
    """
    start_aware = start.tzinfo is not None and start.utcoffset() is not None
    end_aware = end.tzinfo is not None and end.utcoffset() is not None
    mixed = start_aware != end_aware
    if mixed:
        start, end = start.replace(tzinfo=None), end.replace(tzinfo=None)
    return (end - start).total_seconds() / 3600.0, mixed


@dataclass(frozen=True)
class PlacedPhoto:
    """One photo with its position on the series' time axis."""

    measurement: PhotoMeasurement
    #: Position in the order the photos were given (ties and order-only series).
    index: int
    #: Hours since the injection, or ``None`` when that is not known.
    hours_since_injection: float | None
    #: Hours on the series' axis: since the injection, since the first photo, or ``None``.
    t_hours: float | None


@dataclass(frozen=True)
class Timeline:
    """Photos placed in time, sorted, with notes on what could not be judged."""

    #: Photos that can be used (usable quality, not before the injection), sorted in time.
    photos: tuple[PlacedPhoto, ...]
    #: What the axis counts from.
    mode: TimeMode
    notes: tuple[str, ...]
    #: Photos that could not be measured, as (position in the order given, measurement): what
    #: they were refused for can matter (a colour change across the whole frame can be a large
    #: red area; see tracker.triage.checks.check_refused_latest).
    refused: tuple[tuple[int, PhotoMeasurement], ...] = ()

    @property
    def time_known(self) -> bool:
        return self.mode == "since_injection"


def _name(m: PhotoMeasurement, index: int) -> str:
    return m.file or f"photo {index + 1}"


def place_photos(
    measurements: Sequence[PhotoMeasurement],
    *,
    injected_at: datetime | None,
    now: datetime | None = None,
    late_photo_days: float = 60.0,
    stale_after_days: float = 2.0,
) -> Timeline:
    """Give every photo its hours since the injection and sort the series.

    ``hours_since_injection`` already set on a measurement is trusted. Otherwise it
    is computed from ``taken_at`` and ``injected_at``. Without an injection time the
    axis counts from the first photo, which is a lower bound on the time since the
    injection (never a guess); without any capture times the given order is kept.

    Unusable photos and photos taken before the injection are left out, each with a note.
    """
    notes: list[str] = []
    mixed_clock = False
    rows: list[tuple[int, PhotoMeasurement, float | None]] = []
    refused: list[tuple[int, PhotoMeasurement]] = []
    for index, m in enumerate(measurements):
        if not isinstance(m, PhotoMeasurement):
            from tracker.errors import InvalidArgumentError

            raise InvalidArgumentError(
                f"measurements must be PhotoMeasurement objects; item {index + 1} is {type(m).__name__}"
            )
        hours = m.hours_since_injection
        if hours is None and injected_at is not None and m.taken_at is not None:
            hours, mixed = hours_between(injected_at, m.taken_at)
            mixed_clock = mixed_clock or mixed
        if not m.quality.usable:
            problems = ", ".join(m.quality.problems) or "quality"
            notes.append(f"{_name(m, index)} could not be measured ({problems}); it was left out.")
            refused.append((index, m))
            continue
        if hours is not None and hours < -CLOCK_TOLERANCE_HOURS:
            notes.append(
                f"{_name(m, index)} was taken {-hours:.1f} h before the injection; it was left out "
                "of the healing course. Check the injection date and time."
            )
            continue
        if hours is not None:
            hours = max(hours, 0.0)
        rows.append((index, m, hours))

    if mixed_clock:
        notes.append(
            "Some times carried a time zone and others did not; their clock readings were compared as "
            "local times."
        )

    if rows and all(h is not None for _, _, h in rows):
        placed = [PlacedPhoto(m, i, h, h) for i, m, h in rows]
        mode: TimeMode = "since_injection"
    else:
        placed, mode = _place_without_injection_time(rows, notes, injected_at is None)

    placed.sort(key=lambda p: (p.t_hours if p.t_hours is not None else 0.0, p.index))
    _note_late_and_stale(placed, notes, now=now, late_photo_days=late_photo_days,
                         stale_after_days=stale_after_days, injected_at=injected_at)
    return Timeline(photos=tuple(placed), mode=mode, notes=tuple(notes), refused=tuple(refused))


def _place_without_injection_time(
    rows: list[tuple[int, PhotoMeasurement, float | None]], notes: list[str], no_injection_time: bool
) -> tuple[list[PlacedPhoto], TimeMode]:
    if not rows:
        if no_injection_time:
            notes.append("The injection date and time were not given, so hours since injection are unknown.")
        return [], "order_only"
    timed = [(i, m) for i, m, _ in rows if m.taken_at is not None]
    all_timed = bool(timed) and len(timed) == len(rows)
    if no_injection_time:
        notes.append(
            "The injection date and time were not given, so hours since injection are unknown"
            + ("; times are counted from the first photo, which is at least that long after the injection."
               if all_timed else ".")
        )
    else:
        notes.append("Some photos have no capture time, so hours since injection are unknown for them.")
    if all_timed:
        first = min((m.taken_at for _, m in timed), key=lambda t: t.replace(tzinfo=None))
        placed = [PlacedPhoto(m, i, None, max(hours_between(first, m.taken_at)[0], 0.0)) for i, m in timed]
        return placed, "since_first_photo"
    notes.append(
        "Not every photo has a capture time, so the photos are taken in the order given and the "
        "rate of change per day cannot be computed."
    )
    return [PlacedPhoto(m, i, None, None) for i, m, _ in rows], "order_only"


def _note_late_and_stale(
    placed: list[PlacedPhoto], notes: list[str], *, now: datetime | None, late_photo_days: float,
    stale_after_days: float, injected_at: datetime | None,
) -> None:
    for p in placed:
        h = p.hours_since_injection
        if h is not None and h > late_photo_days * 24:
            notes.append(
                f"{_name(p.measurement, p.index)} was taken {h / 24:.0f} days after the injection. If there "
                "has been another treatment since, enter its date so photos are compared with it."
            )
    if now is None or not placed:
        return
    latest = placed[-1].measurement.taken_at
    if latest is None and injected_at is not None and placed[-1].hours_since_injection is not None:
        age_h = hours_between(injected_at, now)[0] - placed[-1].hours_since_injection
    elif latest is not None:
        age_h = hours_between(latest, now)[0]
    else:
        return
    if age_h > stale_after_days * 24:
        notes.append(
            f"The latest usable photo is {age_h / 24:.0f} days old; take a new photo so the assessment is current."
        )
    elif age_h < -CLOCK_TOLERANCE_HOURS:
        notes.append("The latest photo's time is after the current time; check the phone's clock.")
