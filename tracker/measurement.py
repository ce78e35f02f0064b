"""Per-photo measurement: frozen dataclasses mirroring the JSON photo object.

These are the domain values every other part passes around: imaging produces
them, the timeline and triage read them, the store keeps them (as the JSON
from :meth:`PhotoMeasurement.to_dict`) and rebuilds them with
:meth:`PhotoMeasurement.from_dict`.

Field names follow ``shared/interfaces.md``; fields may be added, never renamed.
Units are in the names (``area_mm2``, ``mm_per_px``); a value that cannot be
known is ``None`` (JSON ``null``), never a guess.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import datetime
from typing import Any, Literal

#: Version of the measurement algorithm. Bump it whenever a change can alter a
#: figure; stored measurements record it so history is never silently rewritten.
ALGORITHM_VERSION = "1.12.0"  # 1.12: a visibly redder core makes a region visible whatever its kind (1.11: a longer second fit of the skin surface)

RegionKind = Literal["erythema", "bruise"]

#: Quality problems, with advice a patient can follow to retake the photo.
PROBLEM_ADVICE: dict[str, str] = {
    "blurry": "The photo is blurry. Hold the phone still, tap the screen to focus on the card, and retake it.",
    "too_dark": "The photo is too dark. Move to even daylight (near a window, no flash) and retake it.",
    "overexposed": "The photo is too bright. Avoid direct sun and flash, and retake it in even daylight.",
    "bright": "Parts of the photo are washed out (too bright), so the figures may be less exact. Next time avoid direct light.",
    "glare": "There is glare (shiny reflections) on the skin. Turn slightly away from the light source, no flash.",
    "no_card": "The reference card was not found, so sizes cannot be given in millimetres. Put the card flat on the skin next to the site, fully in view, and retake it.",
    "card_too_small": "The card is too small in the photo. Hold the phone closer (15 to 25 cm) so the card is bigger.",
    "card_too_oblique": "The phone was tilted too much. Hold it parallel to the skin, straight above the site.",
    "white_clipped": "The white card is so bright that colours could not be calibrated on it. Avoid direct light or flash on the card.",
    "not_skin": "We could not find enough skin in this photo. Make sure the injection site fills most of the photo.",
    "low_resolution": "The photo is too small to measure. Use the phone camera's full resolution.",
    "compressed": "This photo was saved with strong compression (for example sent through a messaging app), so faint redness may not show in it. If you can, upload the original photo straight from the phone's camera.",
    "shine": "The skin is shiny in this photo (light reflected from a flash or a lamp), and shine can hide redness. Turn the flash off, face a window rather than a lamp, gently pat the skin dry, and retake it.",
    "uneven_skin": "The skin colour changes a lot across this photo (a large red or dark area, or uneven light), so there is not enough normal skin to compare with. Retake it from a little further away, so that normal skin shows all around the area, in even light, with nothing red or pink (clothing, a towel) beside the skin. If a red or dark area is large or spreading, contact your provider.",
}

#: Problems that make a photo unusable for measurement. The others only limit
#: what can be measured (e.g. ``no_card``: measured in pixels, unscaled).
BLOCKING_PROBLEMS = frozenset({"blurry", "too_dark", "overexposed", "not_skin", "low_resolution",
                               "uneven_skin", "shine"})


@dataclass(frozen=True)
class Quality:
    """Whether the photo can be measured, and what is wrong with it if not."""

    usable: bool
    problems: tuple[str, ...] = ()
    #: Retake advice, one sentence per problem, in the same order.
    advice: tuple[str, ...] = ()
    #: Sharpness figure the blur test used (higher is sharper); ``None`` if not judged.
    sharpness: float | None = None

    @classmethod
    def from_problems(cls, problems: list[str] | tuple[str, ...], *, sharpness: float | None = None) -> "Quality":
        unique = tuple(dict.fromkeys(problems))
        return cls(
            usable=not any(p in BLOCKING_PROBLEMS for p in unique),
            problems=unique,
            advice=tuple(PROBLEM_ADVICE.get(p, p) for p in unique),
            sharpness=sharpness,
        )


@dataclass(frozen=True)
class Scale:
    """Physical scale of the photo, from the reference card's marker."""

    #: Millimetres per pixel of the photo's upright frame, at the card, after
    #: perspective correction; ``None`` when unscaled.
    mm_per_px: float | None
    #: ``"marker"`` when measured from the card; ``None`` when unscaled.
    source: Literal["marker"] | None
    marker_id: int | None = None
    #: Angle between the camera axis and the skin normal, estimated from the marker.
    tilt_deg: float | None = None
    #: Whether colours were white-balanced on the card's white margin.
    white_balanced: bool = False
    #: The marker's four corners (TL, TR, BR, BL) in the upright full-resolution frame, when found;
    #: with ``marker_mm`` they give the skin-plane homography (see tracker.imaging.rectify).
    marker_corners_px: tuple[tuple[float, float], ...] | None = None
    marker_mm: float | None = None


@dataclass(frozen=True)
class Region:
    """One connected red area (erythema or bruise)."""

    kind: RegionKind
    area_px: int
    area_mm2: float | None
    max_diameter_mm: float | None
    mean_delta_a: float
    centroid_px: tuple[int, int]
    peak_delta_a: float = 0.0
    max_diameter_px: float = 0.0
    #: Extent where the excess redness is at least one just-noticeable difference.
    jnd_area_px: int = 0
    jnd_area_mm2: float | None = None
    mean_delta_l: float = 0.0
    mean_delta_b: float = 0.0


@dataclass(frozen=True)
class Redness:
    """All red areas of one photo (erythema plus bruise)."""

    area_mm2: float | None
    area_px: int
    mean_delta_a: float
    peak_delta_a: float
    regions: tuple[Region, ...] = ()
    jnd_area_px: int = 0
    jnd_area_mm2: float | None = None
    #: How the redness was measured (index and border definition).
    method: str = "delta_a_star_half_max"


@dataclass(frozen=True)
class Bump:
    """A small compact raised spot. An estimate: a 2D photo cannot measure height."""

    diameter_mm: float | None
    diameter_px: float
    centroid_px: tuple[int, int]
    estimate: bool = True


@dataclass(frozen=True)
class PhotoMeasurement:
    """Everything measured on one photo (the JSON photo object)."""

    file: str | None
    taken_at: datetime | None
    quality: Quality
    scale: Scale
    redness: Redness
    bumps: tuple[Bump, ...] = ()
    hours_since_injection: float | None = None
    #: ``"exif"`` when ``taken_at`` came from the photo, ``"upload"`` when from the upload time.
    taken_at_source: str | None = None
    width: int = 0
    height: int = 0
    algorithm_version: str = ALGORITHM_VERSION

    @property
    def scaled(self) -> bool:
        return self.scale.mm_per_px is not None

    def with_time(self, *, hours_since_injection: float | None, taken_at: datetime | None = None,
                  taken_at_source: str | None = None) -> "PhotoMeasurement":
        """A copy with the time fields filled in (the timeline knows the injection time)."""
        return replace(
            self,
            hours_since_injection=hours_since_injection,
            taken_at=taken_at if taken_at is not None else self.taken_at,
            taken_at_source=taken_at_source if taken_at_source is not None else self.taken_at_source,
        )

    def to_dict(self) -> dict[str, Any]:
        """The JSON photo object of interfaces.md (plus extra fields)."""
        d = asdict(self)
        d["taken_at"] = self.taken_at.isoformat() if self.taken_at else None
        d["quality"]["problems"] = list(self.quality.problems)
        if self.scale.marker_corners_px is not None:
            d["scale"]["marker_corners_px"] = [list(c) for c in self.scale.marker_corners_px]
        d["quality"]["advice"] = list(self.quality.advice)
        d["redness"]["regions"] = [
            {**r, "centroid_px": list(r["centroid_px"])} for r in d["redness"]["regions"]
        ]
        d["bumps"] = [{**b, "centroid_px": list(b["centroid_px"])} for b in d["bumps"]]
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "PhotoMeasurement":
        """Rebuild from :meth:`to_dict` output (ignores unknown keys, for forward compatibility)."""
        q = d["quality"]
        s = d["scale"]
        r = d["redness"]
        return cls(
            file=d.get("file"),
            taken_at=datetime.fromisoformat(d["taken_at"]) if d.get("taken_at") else None,
            quality=Quality(usable=bool(q["usable"]), problems=tuple(q.get("problems", ())),
                            advice=tuple(q.get("advice", ())), sharpness=q.get("sharpness")),
            scale=Scale(mm_per_px=s.get("mm_per_px"), source=s.get("source"), marker_id=s.get("marker_id"),
                        tilt_deg=s.get("tilt_deg"), white_balanced=bool(s.get("white_balanced", False)),
                        marker_corners_px=tuple(tuple(c) for c in s["marker_corners_px"])
                        if s.get("marker_corners_px") else None,
                        marker_mm=s.get("marker_mm")),
            redness=Redness(
                area_mm2=r.get("area_mm2"), area_px=int(r.get("area_px", 0)),
                mean_delta_a=float(r.get("mean_delta_a", 0.0)), peak_delta_a=float(r.get("peak_delta_a", 0.0)),
                regions=tuple(_region_from_dict(x) for x in r.get("regions", ())),
                jnd_area_px=int(r.get("jnd_area_px", 0)), jnd_area_mm2=r.get("jnd_area_mm2"),
                method=r.get("method", "delta_a_star_half_max"),
            ),
            bumps=tuple(
                Bump(diameter_mm=b.get("diameter_mm"), diameter_px=float(b["diameter_px"]),
                     centroid_px=tuple(b["centroid_px"]), estimate=bool(b.get("estimate", True)))
                for b in d.get("bumps", ())
            ),
            hours_since_injection=d.get("hours_since_injection"),
            taken_at_source=d.get("taken_at_source"),
            width=int(d.get("width", 0)),
            height=int(d.get("height", 0)),
            algorithm_version=d.get("algorithm_version", ALGORITHM_VERSION),
        )


def _region_from_dict(x: dict[str, Any]) -> Region:
    known = {f for f in Region.__dataclass_fields__}
    kw = {k: v for k, v in x.items() if k in known}
    kw["centroid_px"] = tuple(kw["centroid_px"])
    return Region(**kw)


__all__ = [
    "ALGORITHM_VERSION", "BLOCKING_PROBLEMS", "PROBLEM_ADVICE", "Bump", "PhotoMeasurement",
    "Quality", "Redness", "Region", "Scale",
]
