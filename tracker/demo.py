"""A demo clinic seeded from the sample photo series, through the service use cases only.

``python -m tracker demo [--if-empty]`` (``make run`` calls it) creates one clinic, one
clinician and a handful of patients whose photo series end at each triage level
(expected, monitor, contact, urgent), plus a patient who has missed check-ins and one
who has not checked in yet. It prints the logins.

The sample series (``sample_images/``, rendered by ``sample_images/generate.py``; missing
series are rendered on first use) carry capture dates in 2026. So that the demo looks
live, every series is moved in time to end today: the EXIF capture time inside each
JPEG is rewritten in place (same length, no re-encoding), and the injection time moves
by the same amount. One photo of the "new check-in" patient's series is left out and
written to ``$TRACKER_DATA_DIR/demo/`` for a first upload by hand.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable

from tracker import config, service
from tracker.store import Store

#: Demo passwords: long enough for the password rule, printed by the command.
CLINICIAN = ("dr.demo", "demo-clinician", "Dr Demo Clinician")
CLINIC_NAME = "Demo Clinic"
CLINIC_ZONE = "Europe/Paris"
_EXIF_TIME = re.compile(rb"\d{4}:\d{2}:\d{2} \d{2}:\d{2}:\d{2}")


@dataclass(frozen=True)
class DemoPatient:
    """One demo patient: a login, a sample series (or part of one) and reported symptoms."""

    username: str
    password: str
    name: str
    series: str | None
    #: How many photos of the series to load (``None``: all).
    photos: int | None = None
    symptoms: tuple[str, ...] = ()
    #: The series ends this long before now (a silent patient has missed check-ins).
    ends_ago: timedelta = timedelta(hours=2)
    #: Leave the next photo of the series for a check-in by hand.
    keep_next: bool = False
    product: str = "Botox"
    area: str = "forehead"
    #: ``False``: the treatment has no injection time yet (the app asks for it first).
    with_injection_time: bool = True
    #: The level the seeded series is meant to end at (checked by tests/app).
    level: str | None = None


DEMO_PATIENTS: tuple[DemoPatient, ...] = (
    DemoPatient("alex", "demo-patient", "Alex Expected", "needle_fading", level="expected",
                area="glabella (frown lines)"),
    DemoPatient("morgan", "demo-patient", "Morgan Monitor", "needle_fading", symptoms=("drooping_eyelid_or_brow",),
                level="monitor", area="forehead"),
    DemoPatient("casey", "demo-patient", "Casey Contact", "redness_growing_light", level="contact",
                product="Dysport", area="crow's feet (left)"),
    DemoPatient("uma", "demo-patient", "Uma Urgent", "bruise_fading", photos=3,
                symptoms=("face_lip_tongue_throat_swelling", "breathing_difficulty"), level="urgent",
                product="Xeomin", area="forehead"),
    DemoPatient("sam", "demo-patient", "Sam Silent", "bump_persisting", photos=2,
                ends_ago=timedelta(days=2, hours=3), level=None, area="forehead"),
    DemoPatient("pat", "demo-patient", "Pat Newcheckin", "needle_fading", photos=2, keep_next=True,
                level="expected", area="glabella (frown lines)"),
    DemoPatient("robin", "demo-patient", "Robin Nophoto", None, with_injection_time=False,
                area="forehead"),
)


def samples_dir() -> Path:
    """``TRACKER_SAMPLES_DIR``, default ``sample_images/`` beside the package."""
    default = Path(__file__).resolve().parent.parent / "sample_images"
    return Path(os.environ.get("TRACKER_SAMPLES_DIR", default))


def ensure_series(names: Sequence[str], root: Path | None = None) -> Path:
    """The samples directory, rendering the named series first when they are missing."""
    root = root or samples_dir()
    missing = tuple(n for n in dict.fromkeys(names) if not (root / n / "series.json").is_file())
    if missing:
        print(f"demo: rendering sample series {', '.join(missing)} (once, about a minute each)...", flush=True)
        import sys

        sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
        from sample_images.generate import generate_all

        generate_all(root, only=missing)
    return root


def shifted_jpeg(data: bytes, shift: timedelta) -> bytes:
    """The JPEG with every EXIF date-time moved by ``shift``, rewritten in place (same length)."""
    def move(match: re.Match[bytes]) -> bytes:
        when = datetime.strptime(match.group().decode(), "%Y:%m:%d %H:%M:%S") + shift
        return when.strftime("%Y:%m:%d %H:%M:%S").encode()

    header_end = min(len(data), 64 * 1024)  # EXIF sits in APP1, at the start of the file
    return _EXIF_TIME.sub(move, data[:header_end]) + data[header_end:]


def _load_series(root: Path, name: str) -> dict:
    return json.loads((root / name / "series.json").read_text())


def _taken_at(photo: dict) -> datetime:
    """A sample photo's capture time as an instant (its local time and UTC offset)."""
    return datetime.fromisoformat(photo["taken_at"] + (photo.get("utc_offset") or "+00:00"))


def _whole_day_shift(series_end: datetime, target_end: datetime) -> timedelta:
    """Whole days, so capture times keep their time of day, ending at or before ``target_end``."""
    return timedelta(days=(target_end - series_end).days)


def is_empty(store: Store) -> bool:
    """True when the records hold no clinic yet (the first clinic always gets id 1)."""
    from tracker.errors import NotFoundError

    try:
        service.list_patients(store, service.SYSTEM, clinic_id=1)
    except NotFoundError:
        return True
    return False


def seed(store: Store, *, now: datetime | None = None, patients: Sequence[DemoPatient] = DEMO_PATIENTS,
         samples: Path | None = None, out_dir: Path | None = None,
         progress: Callable[[str], None] = lambda _: None) -> dict[str, str]:
    """Create the demo clinic. Returns ``{username: level of the last assessment or ''}``."""
    now = now or datetime.now(timezone.utc)
    root = ensure_series([p.series for p in patients if p.series], samples)
    out_dir = out_dir or config.data_dir() / "demo"
    sys_actor = service.SYSTEM
    clinic = service.register_clinic(store, sys_actor, name=CLINIC_NAME, timezone_name=CLINIC_ZONE, now=now)
    service.register_clinician(store, sys_actor, clinic_id=clinic.id, username=CLINICIAN[0],
                               password=CLINICIAN[1], display_name=CLINICIAN[2], now=now)
    levels: dict[str, str] = {}
    for p in patients:
        progress(f"{p.name}: {p.series or 'no photos yet'}")
        levels[p.username] = _seed_patient(store, clinic.id, p, root, out_dir, now)
    return levels


def _seed_patient(store: Store, clinic_id: int, p: DemoPatient, root: Path, out_dir: Path,
                  now: datetime) -> str:
    sys_actor = service.SYSTEM
    patient = service.register_patient(store, sys_actor, clinic_id=clinic_id, display_name=p.name,
                                       username=p.username, password=p.password, now=now)
    if p.series is None:
        service.record_treatment(store, sys_actor, patient_id=patient.id, product=p.product, units=20,
                                 areas=[p.area], now=now)
        return ""
    series = _load_series(root, p.series)
    photos = series["photos"][: p.photos] if p.photos else series["photos"]
    shift = _whole_day_shift(_taken_at(photos[-1]), now - p.ends_ago)
    injected = _taken_at({**photos[-1], "taken_at": series["injected_at"]}) + shift
    treatment = service.record_treatment(
        store, sys_actor, patient_id=patient.id, product=p.product, units=20, areas=[p.area],
        injected_at=injected if p.with_injection_time else None, now=now)
    site_id = treatment.sites[0].id
    level = ""
    for i, photo in enumerate(photos):
        data = shifted_jpeg((root / p.series / photo["file"]).read_bytes(), shift)
        taken = _taken_at(photo) + shift
        last = i == len(photos) - 1
        result = service.ingest_photo(store, sys_actor, site_id=site_id, source=data, name=photo["file"],
                                      symptoms=p.symptoms if last else (), now=taken + timedelta(minutes=2))
        level = result.assessment.level if result.assessment else level
    if p.keep_next and len(series["photos"]) > len(photos):
        nxt = series["photos"][len(photos)]
        # moved as the series was, it could be dated after now (by up to a day: the queue then
        # read "10 h since injection, latest photo 20 h after injection"); then it is dated a
        # few minutes before now, after the series' last photo
        kept_shift = min(shift, now - timedelta(minutes=5) - _taken_at(nxt))
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / f"{p.username}-next-photo.jpg").write_bytes(
            shifted_jpeg((root / p.series / nxt["file"]).read_bytes(), kept_shift))
    return level


def logins_text(levels: dict[str, str] | None = None) -> str:
    """The demo logins, one per line, for the terminal and the README."""
    lines = [f"  clinician  {CLINICIAN[0]:<8} password {CLINICIAN[1]}"]
    for p in DEMO_PATIENTS:
        what = (levels or {}).get(p.username) or p.level or ("" if p.series else "no photos yet")
        if p.ends_ago > timedelta(days=1):
            what = f"{what}, missed check-ins" if what else "missed check-ins"
        if p.keep_next:
            what += f"; try a check-in with {config.data_dir() / 'demo' / (p.username + '-next-photo.jpg')}"
        lines.append(f"  patient    {p.username:<8} password {p.password}   ({p.name}: {what})")
    return "\n".join(lines)
