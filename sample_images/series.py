"""The committed sample series: one injection site per series, photographed day after day.

Each scenario is a *course*: a function from hours since injection to the lesions present
then. A lesion is only drawn (and counted in the truth) while it is visible: its peak a*
excess over the surrounding skin is at least ``VISIBLE_DELTA_A`` (noise-free, card-white
balanced). Poses, lights and blur vary from photo to photo from a per-photo seed.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Callable

import numpy as np

from sample_images.render import ILLUMINANTS, PhotoSpec
from sample_images.scene import Bump, Lesion, SkinSpec
from sample_images.truth import delta_a

VISIBLE_DELTA_A = 2.5
_LIGHTS = sorted(ILLUMINANTS)

Course = Callable[[float], tuple[tuple[Lesion, ...], tuple[Bump, ...]]]


@dataclass(frozen=True)
class Shot:
    """One planned photo of a series."""

    hours: float
    spec: PhotoSpec
    file: str
    quality: int
    utc_offset: str
    orientation: int = 1

    def taken_at(self, injected_at: datetime) -> datetime:
        return injected_at + timedelta(seconds=round(self.hours * 3600))


@dataclass(frozen=True)
class SeriesPlan:
    """A daily photo series of one site with its expected triage."""

    name: str
    scenario: str
    skin: SkinSpec
    injected_at: datetime
    concern: str
    level: str
    guidance: tuple[str, ...]
    description: str
    shots: tuple[Shot, ...] = field(default=())

    @property
    def fitzpatrick(self) -> int:
        return self.skin.fitzpatrick

    def header(self) -> dict:
        return {"name": self.name, "scenario": self.scenario, "fitzpatrick": self.fitzpatrick,
                "injected_at": self.injected_at.isoformat(), "description": self.description,
                "expected": {"concern": self.concern, "level": self.level, "guidance": list(self.guidance)},
                "marker_mm": 20.0}


def _wobble(rng: np.random.Generator) -> dict:
    return {"wobble": tuple(rng.uniform(0.02, 0.09, 3) * rng.choice([-1, 1], 3)),
            "wobble_phase": tuple(rng.uniform(0, 2 * np.pi, 3))}


def _visible(lesions: tuple[Lesion, ...], fitzpatrick: int) -> tuple[Lesion, ...]:
    return tuple(les for les in lesions if abs(delta_a(les, fitzpatrick, 1.0)) >= VISIBLE_DELTA_A)


def needle_course(seed: int) -> Course:
    """Tiny red spots at 4 needle points, fading within about a day (G1)."""
    rng = np.random.default_rng(seed)
    points = [(rng.uniform(-6, 6), rng.uniform(-6, 6)) for _ in range(4)]
    points = [(x + 5 * np.cos(a), y + 5 * np.sin(a)) for (x, y), a in zip(points, np.arange(4) * np.pi / 2)]
    radii = rng.uniform(0.6, 1.1, 4)

    def course(hours: float):
        amp = 0.6 * np.exp(-hours / 16.0)
        shrink = 1 - 0.2 * min(hours, 30) / 30
        return tuple(Lesion("erythema", p, (r * shrink, r * shrink * 0.9), 0, amp, 1.3) for p, r in
                     zip(points, radii)) if hours < 36 else (), ()
    return course


def bruise_course(seed: int, *, half_life_days: float, age_days: float, max_age: float, amp: float) -> Course:
    """Purpura: spreads for two days, then fades, turning from purple-blue to yellow-green (G2)."""
    rng = np.random.default_rng(seed)
    shape = _wobble(rng)
    axes, angle, centre = np.array([rng.uniform(4.5, 6), rng.uniform(3, 4)]), rng.uniform(0, 180), (1.0, -0.5)

    def course(hours: float):
        days = hours / 24
        grow = 0.8 + 0.2 * min(days, 2) / 2
        a = amp * 0.5 ** (max(days - 1, 0) / half_life_days)
        age = min(max_age, days / age_days)
        return (Lesion("bruise", centre, tuple(axes * grow), angle, a, 1.6, age=age, **shape),), ()
    return course


def redness_course(seed: int, *, scale: Callable[[float], float], amp: Callable[[float], float],
                   base_axes: tuple[float, float] = (5.0, 4.0)) -> Course:
    """An erythema patch whose size and intensity follow ``scale(days)`` and ``amp(days)``."""
    rng = np.random.default_rng(seed)
    shape, angle = _wobble(rng), rng.uniform(0, 180)

    def course(hours: float):
        days = hours / 24
        if scale(days) <= 0:
            return (), ()
        axes = (base_axes[0] * scale(days), base_axes[1] * scale(days))
        return (Lesion("erythema", (0.0, 0.0), axes, angle, amp(days), 1.2, **shape),), ()
    return course


def bump_course(seed: int) -> Course:
    """A 5.5 mm bump with mild redness, unchanged for a week (G3, then G9)."""
    def course(hours: float):
        return (), (Bump((0.0, 0.0), 5.5, 0.35, 0.3),)
    return course


def clear_course(seed: int) -> Course:
    return lambda hours: ((), ())


def _shot_spec(rng: np.random.Generator, skin: SkinSpec, marker_id: int, light_index: int) -> PhotoSpec:
    """A random but plausible phone photo: pose, light, exposure, noise."""
    steep = rng.random() < 0.25
    return PhotoSpec(
        skin=skin, marker_id=marker_id, px_per_mm=float(rng.uniform(9, 22)),
        tilt_deg=float(rng.uniform(20, 35) if steep else rng.uniform(0, 18)),
        tilt_azimuth_deg=float(rng.uniform(0, 360)), rotation_deg=float(rng.uniform(-180, 180)),
        illuminant=_LIGHTS[light_index % len(_LIGHTS)], exposure=float(rng.uniform(0.7, 1.3)),
        awb_strength=float(rng.uniform(0.4, 0.85)), light_azimuth_deg=float(rng.uniform(0, 360)),
        light_falloff=float(rng.uniform(0.08, 0.35)), noise=float(rng.uniform(0.7, 1.6)),
        gaussian_blur_px=float(rng.choice([0.0, 0.0, rng.uniform(0.6, 1.4)])),
        seed=int(rng.integers(1 << 30)))


def build(name: str, scenario: str, skin: SkinSpec, course: Course, hours: list[float],
          expected: tuple[str, str, tuple[str, ...]], description: str, *, series_seed: int,
          injected_at: datetime, utc_offset: str, special: dict[int, dict] | None = None) -> SeriesPlan:
    """Plan a series: one shot per entry of ``hours``; ``special[i]`` overrides shot i
    (spec fields, plus ``orientation``)."""
    rng = np.random.default_rng(series_seed)
    shots = []
    for i, h in enumerate(hours):
        spec = _shot_spec(rng, skin, series_seed % 4, series_seed + i)
        lesions, bumps = course(h)
        extra = dict((special or {}).get(i, {}))
        orientation = extra.pop("orientation", 1)
        spec = replace(spec, lesions=_visible(lesions, skin.fitzpatrick), bumps=bumps, **extra)
        taken = injected_at + timedelta(seconds=round(h * 3600))
        file = f"{name}_day{(taken.date() - injected_at.date()).days:02d}_{taken:%H%M}.jpg"
        shots.append(Shot(h, spec, file, int(rng.integers(70, 96)), utc_offset, orientation))
    return SeriesPlan(name, scenario, skin, injected_at, *expected, description, tuple(shots))


def _series() -> list[SeriesPlan]:
    d = datetime
    steady = lambda days: 1.0  # noqa: E731
    growing = lambda days: 1.0 if days < 2 else 1.0 + 0.38 * (days - 2)  # noqa: E731
    delayed = lambda days: 0.0 if days < 2.6 else 0.7 + 0.45 * (days - 3)  # noqa: E731
    return [
        build("needle_fading", "needle_fading", SkinSpec(3, 101, moles=3, freckles=10, hairs=4),
              needle_course(1), [1, 6, 20, 30, 48, 96], ("benign", "expected", ("G1",)),
              "Needle-point redness fading within about a day, then clear skin.",
              series_seed=11, injected_at=d(2026, 3, 2, 10, 0), utc_offset="+01:00",
              special={1: {"orientation": 6}}),
        build("bruise_fading", "bruise_fading", SkinSpec(2, 102, moles=2, freckles=30),
              bruise_course(2, half_life_days=4.4, age_days=8, max_age=0.9, amp=0.75),
              [2, 26, 50, 98, 146, 194, 242, 290], ("benign", "expected", ("G2",)),
              "Pinpoint bruise fading over about ten days (purple-blue, then yellow-green), gone by day 12.",
              series_seed=12, injected_at=d(2026, 4, 14, 15, 30), utc_offset="-05:00",
              special={3: {"defocus_px": 7.0}, 5: {"orientation": 8}}),
        build("bruise_persisting", "bruise_persisting", SkinSpec(4, 103, moles=3, freckles=4, hairs=3),
              bruise_course(3, half_life_days=30, age_days=30, max_age=0.5, amp=0.85),
              [3, 51, 99, 171, 243, 315, 363], ("concerning", "contact", ("G10",)),
              "A bruise that has not faded by day 15.",
              series_seed=13, injected_at=d(2026, 5, 5, 9, 0), utc_offset="+02:00"),
        build("redness_persisting_light", "redness_persisting", SkinSpec(1, 104, moles=2, freckles=40),
              redness_course(4, scale=steady, amp=lambda days: 0.32), [2, 24, 48, 71, 71 + 4 / 60, 120, 192],
              ("concerning", "contact", ("G4", "G7")), "A red patch unchanged from day 0 to day 8 (fair skin); "
              "day 3 has two photos four minutes apart.",
              series_seed=14, injected_at=d(2026, 6, 9, 10, 0), utc_offset="+00:00"),
        build("redness_persisting_dark", "redness_persisting", SkinSpec(5, 105, moles=2, freckles=0, hairs=2),
              redness_course(5, scale=steady, amp=lambda days: 0.6), [3, 27, 51, 99, 147, 195],
              ("concerning", "contact", ("G4", "G7")), "A red patch unchanged from day 0 to day 8 (dark skin).",
              series_seed=15, injected_at=d(2026, 7, 1, 8, 30), utc_offset="+03:00"),
        build("redness_growing_light", "redness_growing", SkinSpec(2, 106, moles=3, freckles=25, hairs=5),
              redness_course(6, scale=growing, amp=lambda days: 0.22 + 0.06 * max(days - 2, 0),
                             base_axes=(3.5, 2.8)), [2, 26, 50, 74, 98, 122, 146],
              ("concerning", "contact", ("G5",)), "Redness growing and getting redder from day 2 (fair skin).",
              series_seed=16, injected_at=d(2026, 8, 18, 11, 0), utc_offset="+01:00",
              special={5: {"has_card": False}}),
        build("redness_growing_dark", "redness_growing", SkinSpec(6, 107, moles=2, freckles=0),
              redness_course(7, scale=growing, amp=lambda days: 0.45 + 0.1 * max(days - 2, 0),
                             base_axes=(3.5, 2.8)), [1, 25, 49, 73, 97, 121, 145],
              ("concerning", "contact", ("G5",)), "Redness growing and getting redder from day 2 (dark skin).",
              series_seed=17, injected_at=d(2026, 9, 8, 12, 0), utc_offset="-07:00",
              special={3: {"orientation": 8}}),
        build("redness_delayed", "redness_delayed", SkinSpec(3, 108, moles=4, freckles=8, hairs=6),
              redness_course(8, scale=delayed, amp=lambda days: 0.25 + 0.1 * (days - 3)),
              [4, 28, 52, 76, 100, 124, 148], ("concerning", "contact", ("G5", "G6")),
              "Clear for two days, then redness appears on day 3 and grows (the infection pattern).",
              series_seed=18, injected_at=d(2026, 10, 6, 9, 30), utc_offset="+05:30",
              special={4: {"orientation": 6}}),
        build("bump_persisting", "bump_persisting", SkinSpec(5, 109, moles=3, freckles=2, hairs=2),
              bump_course(9), [2, 26, 50, 74, 98, 122, 170], ("concerning", "contact", ("G3", "G9")),
              "A 5.5 mm bump with mild redness, unchanged past day 4.",
              series_seed=19, injected_at=d(2026, 11, 2, 10, 0), utc_offset="+01:00",
              special={2: {"has_card": False}}),
        build("clear_skin", "clear_skin", SkinSpec(2, 110, moles=6, freckles=45, hairs=16),
              clear_course(10), [1, 25, 49, 73, 121, 169], ("benign", "expected", ()),
              "No redness at all; moles, freckles and hair to tempt false positives.",
              series_seed=20, injected_at=d(2026, 12, 1, 14, 0), utc_offset="+09:00",
              special={3: {"has_card": False}}),
    ]


SERIES: list[SeriesPlan] = _series()
