"""Deterministic synthetic photo series of injection sites, with exact ground truth.

Run ``python sample_images/generate.py`` to regenerate every committed series into
``sample_images/`` (same bytes every time). Import it to render more photos on the fly::

    from sample_images.generate import Lesion, PhotoSpec, SkinSpec, encode_jpeg, render_photo
    rgb, truth, mask = render_photo(PhotoSpec(skin=SkinSpec(fitzpatrick=5),
                                              lesions=(Lesion("erythema", (0, 0), (5.64, 5.64)),),
                                              tilt_deg=30))
    jpeg = encode_jpeg(rgb, 90, taken_at=datetime(2026, 3, 2, 11, 0), utc_offset="+01:00")

The series themselves (scenario courses, skin types, poses, lights) are in
:mod:`sample_images.series`.
"""

from __future__ import annotations

import io
import json
import sys
from datetime import datetime
from multiprocessing import Pool
from pathlib import Path

import numpy as np
from PIL import Image

if __package__ in (None, ""):  # run as a script: make the repository root importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sample_images.render import ILLUMINANTS, PhotoSpec, render_photo  # noqa: E402
from sample_images.scene import Bump, Lesion, SkinSpec  # noqa: E402

HERE = Path(__file__).resolve().parent
EXIF_IFD = 0x8769
TAG_ORIENTATION = 0x0112
TAG_DATETIME_ORIGINAL = 0x9003
TAG_OFFSET_TIME_ORIGINAL = 0x9011
#: How the stored pixels are turned so that the EXIF orientation shows the upright photo.
_STORE_ROTATION = {1: 0, 6: 1, 8: -1, 3: 2}

__all__ = ["Bump", "ILLUMINANTS", "Lesion", "PhotoSpec", "SkinSpec", "encode_jpeg", "encode_mask",
           "render_photo", "generate_all"]


def encode_jpeg(rgb: np.ndarray, quality: int = 90, *, taken_at: datetime | None = None,
                utc_offset: str | None = None, orientation: int = 1) -> bytes:
    """Encode an upright RGB photo as a phone would store it.

    Parameters
    ----------
    rgb : (H, W, 3) uint8 ndarray
        The upright photo.
    quality : int
        JPEG quality (1-95).
    taken_at : datetime, optional
        Local capture time, written as EXIF DateTimeOriginal (0x9003).
    utc_offset : str, optional
        e.g. ``"+01:00"``, written as EXIF OffsetTimeOriginal (0x9011).
    orientation : {1, 3, 6, 8}
        EXIF Orientation (0x0112). For 6 or 8 the stored pixels are rotated so that a viewer
        applying the tag shows ``rgb`` upright (stored width and height are swapped).

    Returns
    -------
    bytes
        The JPEG file.
    """
    if rgb.dtype != np.uint8 or rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ValueError(f"rgb must be (H, W, 3) uint8, got {rgb.shape} {rgb.dtype}")
    if orientation not in _STORE_ROTATION:
        raise ValueError(f"orientation must be one of {sorted(_STORE_ROTATION)}, got {orientation}")
    stored = np.ascontiguousarray(np.rot90(rgb, _STORE_ROTATION[orientation]))
    exif = Image.Exif()
    exif[0x010F] = "Synthetic"
    exif[0x0110] = "sample_images generator"
    exif[TAG_ORIENTATION] = orientation
    ifd = exif.get_ifd(EXIF_IFD)
    if taken_at is not None:
        ifd[TAG_DATETIME_ORIGINAL] = taken_at.strftime("%Y:%m:%d %H:%M:%S")
    if utc_offset is not None:
        ifd[TAG_OFFSET_TIME_ORIGINAL] = utc_offset
    buf = io.BytesIO()
    Image.fromarray(stored).save(buf, "JPEG", quality=int(quality), exif=exif.tobytes())
    return buf.getvalue()


def encode_mask(mask: np.ndarray) -> bytes:
    """Single-channel PNG, 255 inside the red area, 0 elsewhere."""
    buf = io.BytesIO()
    Image.fromarray(np.where(mask, 255, 0).astype(np.uint8), mode="L").save(buf, "PNG")
    return buf.getvalue()


def _render_shot(job: tuple) -> tuple[bytes, bytes, dict]:
    """Worker: render one planned photo into (jpeg bytes, mask png bytes, truth)."""
    spec, quality, taken_at, utc_offset, orientation = job
    rgb, truth, mask = render_photo(spec)
    jpeg = encode_jpeg(rgb, quality, taken_at=taken_at, utc_offset=utc_offset, orientation=orientation)
    return jpeg, encode_mask(mask), truth


def _photo_record(shot, truth: dict, injected_at: datetime) -> dict:
    """The per-photo entry of series.json."""
    taken = shot.taken_at(injected_at)
    record = {
        "file": shot.file, "mask_file": f"truth/{Path(shot.file).stem}_mask.png",
        "taken_at": taken.isoformat(), "utc_offset": shot.utc_offset,
        "hours_since_injection": round((taken - injected_at).total_seconds() / 3600, 4),
        "exif_orientation": shot.orientation, "jpeg_quality": shot.quality,
    }
    record.update(truth)
    return record


def generate_all(out_dir: Path = HERE, *, processes: int = 2, only: tuple[str, ...] = ()) -> dict:
    """Render every committed series into ``out_dir``; returns the manifest."""
    from sample_images.series import SERIES

    plans = [p for p in SERIES if not only or p.name in only]
    jobs = [(plan, shot) for plan in plans for shot in plan.shots]
    args = [(shot.spec, shot.quality, shot.taken_at(plan.injected_at), shot.utc_offset, shot.orientation)
            for plan, shot in jobs]
    with Pool(processes) as pool:
        results = pool.map(_render_shot, args, chunksize=1)
    manifest = {"generator": "sample_images/generate.py", "series": []}
    for plan in plans:
        photos = []
        for (p, shot), (jpeg, png, truth) in zip(jobs, results):
            if p is not plan:
                continue
            (out_dir / plan.name / "truth").mkdir(parents=True, exist_ok=True)
            (out_dir / plan.name / shot.file).write_bytes(jpeg)
            (out_dir / plan.name / "truth" / f"{Path(shot.file).stem}_mask.png").write_bytes(png)
            photos.append(_photo_record(shot, truth, plan.injected_at))
        doc = plan.header() | {"photos": photos}
        (out_dir / plan.name / "series.json").write_text(json.dumps(doc, indent=1) + "\n")
        manifest["series"].append({k: doc[k] for k in ("name", "scenario", "fitzpatrick", "expected")}
                                  | {"photos": len(photos), "path": f"{plan.name}/series.json"})
    (out_dir / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    return manifest


if __name__ == "__main__":
    import time

    start = time.perf_counter()
    result = generate_all(only=tuple(sys.argv[1:]))
    n = sum(s["photos"] for s in result["series"])
    print(f"wrote {n} photos in {len(result['series'])} series in {time.perf_counter() - start:.0f} s")
