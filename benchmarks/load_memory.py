"""Peak memory and time of ``load_photo`` on 12, 50, 108 and 200 MP JPEGs, against OpenCV.

Each measurement runs in a fresh interpreter so peaks do not mix. Peak memory is the
child's VmHWM from /proc (the high-water mark of its own address space); getrusage's
ru_maxrss is not used because on Linux it survives execve and can report the parent.
Time is the best of three decodes inside the child, imports excluded.

Compared:
- ``load_photo``: our loader (DCT-scaled decode, then resize to ``max_side`` 2048);
- ``cv2.imdecode``: a plain full-resolution decode of the same bytes;
- ``cv2.imdecode REDUCED_4``: OpenCV's own DCT-scaled decode at 1/4 (no resize), for reference.

``--heic`` measures ``load_photo`` on an iPhone's HEIC sizes instead (12 MP 4032 x 3024 and
48 MP 8064 x 6048, quality 80): libheif decodes a HEIC whole, at full resolution, so its peak
grows with the sensor (there is no DCT-scaled decode for HEVC).

Usage::

    .venv/bin/python benchmarks/load_memory.py            # all four sizes
    .venv/bin/python benchmarks/load_memory.py 12 108     # chosen sizes (megapixels)
    .venv/bin/python benchmarks/load_memory.py --heic     # HEIC, 12 and 48 MP
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parent.parent

#: Sensor sizes of real phones: 12 MP (4000 x 3000), 50 MP (8160 x 6120),
#: 108 MP (12000 x 9000), 200 MP (16320 x 12240).
SIZES = {12: (4000, 3000), 50: (8160, 6120), 108: (12000, 9000), 200: (16320, 12240)}

CHILD = r"""
import re, sys, time
from pathlib import Path
which, path = sys.argv[1], sys.argv[2]
if which == "load_photo":
    from tracker.imaging.load import load_photo
    run = lambda: load_photo(path).rgb.shape
else:
    import cv2, numpy as np
    flag = cv2.IMREAD_COLOR if which == "cv2" else cv2.IMREAD_REDUCED_COLOR_4
    run = lambda: cv2.imdecode(np.frombuffer(Path(path).read_bytes(), np.uint8), flag).shape
best = float("inf")
for _ in range(3):
    start = time.perf_counter()
    shape = run()
    best = min(best, time.perf_counter() - start)
hwm_kb = int(re.search(r"VmHWM:\s+(\d+) kB", Path("/proc/self/status").read_text()).group(1))
print(hwm_kb / 1024, best, shape[1], shape[0])
"""

BASELINE = r"""
import re
from pathlib import Path
import numpy, PIL.Image, tracker.imaging.load
print(int(re.search(r"VmHWM:\s+(\d+) kB", Path("/proc/self/status").read_text()).group(1)) / 1024)
"""


def make_jpeg(path: Path, width: int, height: int) -> None:
    """A photo-like (smooth) JPEG, quality 90, as a phone would write."""
    small = np.random.default_rng(0).integers(0, 256, (height // 64, width // 64, 3), dtype=np.uint8)
    ok, encoded = cv2.imencode(
        ".jpg", cv2.resize(small, (width, height), interpolation=cv2.INTER_CUBIC), [cv2.IMWRITE_JPEG_QUALITY, 90]
    )
    assert ok
    path.write_bytes(encoded.tobytes())


#: An iPhone's HEIC sizes: 12 MP (4032 x 3024) and 48 MP "HEIF Max" (8064 x 6048).
HEIC_SIZES = {12: (4032, 3024), 48: (8064, 6048)}


def make_heic(path: Path, width: int, height: int) -> None:
    """A photo-like (smooth) HEIC, quality 80."""
    import pillow_heif
    from PIL import Image

    pillow_heif.register_heif_opener()
    small = np.random.default_rng(0).integers(0, 256, (height // 64, width // 64, 3), dtype=np.uint8)
    Image.fromarray(cv2.resize(small, (width, height), interpolation=cv2.INTER_CUBIC)).save(path, format="HEIF",
                                                                                             quality=80)


def heic_main() -> None:
    print(f"{'photo':>24} {'file MB':>8} | {'decoder':<24} {'peak RSS MB':>11} {'time s':>7} {'result':>11}")
    with tempfile.TemporaryDirectory() as tmp:
        for mp, (width, height) in HEIC_SIZES.items():
            path = Path(tmp) / f"{mp}mp.heic"
            make_heic(path, width, height)
            peak, seconds, shape = measure("load_photo", path)
            print(f"{f'{mp} MP {width}x{height} HEIC':>24} {path.stat().st_size / 2**20:>8.1f} | {'load_photo':<24}"
                  f" {peak:>11.0f} {seconds:>7.3f} {shape:>11}")


def measure(which: str, path: Path) -> tuple[float, float, str]:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, which, str(path)], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout.split()
    return float(out[0]), float(out[1]), f"{out[2]}x{out[3]}"


def main(megapixels: list[int]) -> None:
    baseline = subprocess.run(
        [sys.executable, "-c", BASELINE], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout.strip()
    print(f"interpreter + numpy + Pillow + tracker.imaging.load imported: {float(baseline):.0f} MB peak RSS\n")
    print(f"{'photo':>24} {'file MB':>8} | {'decoder':<24} {'peak RSS MB':>11} {'time s':>7} {'result':>11}")
    with tempfile.TemporaryDirectory() as tmp:
        for mp in megapixels:
            width, height = SIZES[mp]
            path = Path(tmp) / f"{mp}mp.jpg"
            make_jpeg(path, width, height)
            label = f"{mp} MP {width}x{height}"
            size_text = f"{path.stat().st_size / 2**20:.1f}"
            for which in ("load_photo", "cv2", "cv2_reduced4"):
                peak, seconds, shape = measure(which, path)
                name = {"cv2": "cv2.imdecode", "cv2_reduced4": "cv2.imdecode REDUCED_4"}.get(which, which)
                print(f"{label:>24} {size_text:>8} | {name:<24} {peak:>11.0f} {seconds:>7.3f} {shape:>11}")
                label, size_text = "", ""
            path.unlink()


if __name__ == "__main__":
    if "--heic" in sys.argv[1:]:
        heic_main()
    else:
        main([int(arg) for arg in sys.argv[1:]] or list(SIZES))
