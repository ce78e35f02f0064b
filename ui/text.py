"""Plain-language texts of the app: levels, figures, errors. No Streamlit here.

Patients read these on a phone, often worried: short sentences, everyday words,
the figure next to the word ("the red area is 48 mm², 20% smaller than yesterday").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tracker.errors import (
    AccessDeniedError,
    AuthenticationError,
    ImageTooLargeError,
    InvalidArgumentError,
    NotFoundError,
    TrackerError,
    UnreadableImageError,
)
from tracker.reports.charts import LEVEL_COLORS
from tracker.triage.symptoms import SYMPTOMS


@dataclass(frozen=True)
class LevelText:
    """How one assessment level is shown."""

    key: str
    #: Short badge label for clinicians.
    badge: str
    #: The headline a patient reads.
    headline: str
    #: Material icon name (``:material/...:``) and a symbol for HTML places (one every font has).
    icon: str
    emoji: str
    #: Streamlit badge colour name and the hex colour of the reports.
    color: str
    hex: str


LEVELS: dict[str, LevelText] = {
    "expected": LevelText("expected", "Expected", "This looks like the normal healing course.",
                          ":material/check_circle:", "✔", "green", LEVEL_COLORS["expected"]),
    "monitor": LevelText("monitor", "Monitor", "Keep an eye on it: take a photo again tomorrow.",
                         ":material/visibility:", "◉", "yellow", LEVEL_COLORS["monitor"]),
    "contact": LevelText("contact", "Contact", "Please contact your clinic or injector.",
                         ":material/call:", "☎", "orange", LEVEL_COLORS["contact"]),
    "urgent": LevelText("urgent", "Urgent", "Seek emergency care now.",
                        ":material/emergency:", "⚠", "red", LEVEL_COLORS["urgent"]),
}
NOT_ASSESSED = LevelText("none", "No result yet", "No result yet.", ":material/help:", "○", "gray",
                         LEVEL_COLORS["not assessed"])

#: Shown wherever a flag is shown, when the assessment carries no disclaimer of its own.
DISCLAIMER = ("This is not a diagnosis. The tracker measures your photos and compares them with the usual "
              "course after an injection; it cannot examine you. If you are worried, contact your injector "
              "or a doctor whatever this says.")
EMERGENCY_BANNER = ("Seek emergency care now: call your local emergency number (112 / 911 / 999) or go to the "
                    "nearest emergency department. Do not wait for a call back from the clinic.")

TREND_ARROWS = {"growing": "↗", "shrinking": "↘", "stable": "→"}
TREND_WORDS = {"growing": "getting bigger", "shrinking": "getting smaller", "stable": "about the same"}


def level_text(level: str | None) -> LevelText:
    return LEVELS.get(level or "", NOT_ASSESSED)


def symptom_label(key: str) -> str:
    s = SYMPTOMS.get(key)
    return s.label if s else key.replace("_", " ")


def friendly_error(error: Exception) -> str:
    """What a person should read for an error of the core: the message, with what to do next."""
    message = str(error).strip()
    if isinstance(error, ImageTooLargeError):
        return (f"{message} Use the phone camera's normal photo setting (not a panorama or RAW), "
                "or take the photo with the camera button here.")
    if isinstance(error, UnreadableImageError):
        return (f"{message} Choose a photo file (JPEG, PNG, HEIC or WebP) taken with your phone's camera, "
                "or take a new one with the camera button.")
    if isinstance(error, AuthenticationError):
        return message
    if isinstance(error, AccessDeniedError):
        return f"{message} If you think this is wrong, ask your clinic."
    if isinstance(error, NotFoundError):
        return f"{message} It may have been removed; go back and choose again."
    if isinstance(error, InvalidArgumentError):
        return message
    if isinstance(error, TrackerError):
        return message
    return "Something went wrong on our side. Your data is safe; please try again in a moment."


def fmt_area(area_mm2: float | None, area_px: int | None = None) -> str:
    if area_mm2 is not None and area_mm2 <= 0:
        return "no red area"
    if area_mm2 is not None:
        return f"{area_mm2:.0f} mm²" if area_mm2 >= 10 else f"{area_mm2:.1f} mm²"
    if area_px:
        return f"{area_px} pixels (no card in the photo, so no mm²)"
    return "none measured"


def fmt_area_short(area_mm2: float | None, area_px: int | None = None) -> str:
    """:func:`fmt_area` for a caption under a thumbnail."""
    if area_mm2 is None and area_px:
        return "no card, no mm²"
    return fmt_area(area_mm2, area_px)


def fmt_days(hours: float | None) -> str:
    """``"day 3"`` style age since injection; hours in the first day."""
    if hours is None:
        return "time since injection unknown"
    if hours < 0:
        return "before the injection"
    if hours < 24:
        return f"{hours:.0f} h after injection"
    return f"day {hours / 24:.0f}" if hours / 24 >= 1.5 else f"day {hours / 24:.1f}"


def fmt_since_injection(injected_at: datetime | None, now: datetime) -> str:
    """``"day 3 since injection"`` (hours in the first day), for the clinician's queue."""
    if injected_at is None:
        return "injection time not set"
    hours = (now - injected_at).total_seconds() / 3600
    if hours < 24:
        return f"{max(hours, 0):.0f} h since injection"
    return f"day {hours // 24:.0f} since injection"


def fmt_when(when: datetime | None) -> str:
    return when.strftime("%a %d %b, %H:%M") if when else "unknown"


def comparison_sentence(area_now: float | None, area_before: float | None, *, before_label: str) -> str | None:
    """"the red area is 48 mm², 20% smaller than yesterday" (``None`` when not comparable)."""
    if area_now is None:
        return None
    if area_now <= 0:
        if area_before:
            return f"No red area was measured this time ({fmt_area(area_before)} {before_label})."
        return "No red area was measured."
    head = f"The red area is {fmt_area(area_now)}"
    if area_before is None:
        return head + "."
    if area_before <= 0:
        return head + (f", none was measured {before_label}." if area_now > 0 else f", as {before_label}.")
    change = (area_now - area_before) / area_before * 100
    if abs(change) < 5:
        return f"{head}, about the same as {before_label}."
    word = "bigger" if change > 0 else "smaller"
    return f"{head}, {abs(change):.0f}% {word} than {before_label}."


def before_label(hours_now: float | None, hours_before: float | None, when_before: datetime | None) -> str:
    """"yesterday", "2 days ago", or "on Mon 02 Nov" for the earlier photo."""
    if hours_now is not None and hours_before is not None:
        gap_days = (hours_now - hours_before) / 24
        if gap_days < 0.75:
            return "earlier today" if gap_days < 0.5 else "in the last photo"
        if gap_days < 1.5:
            return "yesterday"
        return f"{gap_days:.0f} days ago"
    return f"on {when_before:%a %d %b}" if when_before else "in the last photo"


#: The G11 symptom keys (emergency), for highlighting.
EMERGENCY = frozenset(k for k, s in SYMPTOMS.items() if s.emergency)
