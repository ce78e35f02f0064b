"""Speed and memory of ``analyze_photo`` on phone-sized photos.

Compares, in one process, the whole analysis of a 12-megapixel JPEG with a plain
full-resolution ``cv2.imdecode`` of the same bytes (the goal: the analysis costs no
more than that decode), and measures the peak memory (VmHWM) of analysing a 12 MP
and a 108 MP photo, each in a fresh process. The analysis time is also split into the
redness steps (``excess.excess_maps`` and ``redness.segment_regions``) and the rest:
the DCT-scaled decode (1/4 for this 4000 x 3000 JPEG: about 27 ms of the rest, most of it
the entropy decoding that any decode pays), the card, the reduction to about 6.5 px/mm
at the card (812 x 609 px here), colour, masks, quality and measurement.

Both timings include first-touch page faults of freshly allocated memory, counted in the
``*_page_faults_median`` figures: the decode's 36 MB output is either fresh memory (about
9400 faults, 20-40 ms on a 2-core VM) or a free block the allocator kept from whatever ran
before it (about 100 faults), so the decode time, and with it the ratio, can move by half
for reasons that have nothing to do with either step.

The same photo tagged Display P3 (as an iPhone saves it) is timed too: its conversion to sRGB
(tracker.imaging.colorspace) runs on the decoded 1000 x 750 frame.

Run:  .venv/bin/python benchmarks/speed.py
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def make_photo(path: Path, width: int, height: int) -> None:
    """A sample photo upscaled to phone resolution, with sensor-like noise, as a JPEG."""
    from sample_images.render import PhotoSpec, render_photo
    from sample_images.scene import Lesion, SkinSpec

    rgb, _, _ = render_photo(PhotoSpec(skin=SkinSpec(fitzpatrick=3, seed=1),
                                       lesions=(Lesion("erythema", (0, 0), (6, 5), amplitude=0.4),),
                                       tilt_deg=15, seed=1))
    big = cv2.resize(cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), (width, height), interpolation=cv2.INTER_CUBIC)
    rng = np.random.default_rng(0)
    for y in range(0, height, 1024):  # add noise in bands to keep this script's own memory low
        band = big[y:y + 1024].astype(np.int16) + rng.integers(-3, 4, big[y:y + 1024].shape, dtype=np.int16)
        big[y:y + 1024] = np.clip(band, 0, 255).astype(np.uint8)
    ok, buf = cv2.imencode(".jpg", big, [cv2.IMWRITE_JPEG_QUALITY, 90])
    path.write_bytes(buf.tobytes())


def _child_peak(path: Path) -> dict:
    code = (
        "import sys, json; sys.path.insert(0, %r)\n"
        "import tracker\n"
        "m = tracker.analyze_photo(%r)\n"
        "hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM')][0].split()[1]\n"
        "print(json.dumps({'peak_mb': int(hwm) / 1024, 'area_mm2': m.redness.area_mm2}))\n"
    ) % (str(ROOT), str(path))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _baseline_peak() -> float:
    code = ("import sys; sys.path.insert(0, %r)\nimport tracker.imaging.pipeline\n"
            "print([l for l in open('/proc/self/status') if l.startswith('VmHWM')][0].split()[1])") % str(ROOT)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return int(out.stdout.strip()) / 1024


def _minor_faults() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


class _RednessTimer:
    """Accumulates the time spent in the redness steps of the pipeline while active."""

    def __init__(self) -> None:
        from tracker.imaging import pipeline

        self._originals = {(module, name): getattr(module, name)
                           for module, name in ((pipeline.excess_mod, "excess_maps"),
                                                (pipeline.redness_mod, "segment_regions"))}
        self.seconds = 0.0

    def _wrap(self, fn):
        def timed(*args, **kwargs):
            t = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - t
        return timed

    def __enter__(self) -> "_RednessTimer":
        for (module, name), fn in self._originals.items():
            setattr(module, name, self._wrap(fn))
        return self

    def __exit__(self, *exc) -> None:
        for (module, name), fn in self._originals.items():
            setattr(module, name, fn)


def main() -> None:
    from tracker import analyze_photo

    with tempfile.TemporaryDirectory() as tmp:
        p12 = Path(tmp) / "photo_12mp.jpg"
        p108 = Path(tmp) / "photo_108mp.jpg"
        make_photo(p12, 4000, 3000)
        make_photo(p108, 12000, 9000)
        data = p12.read_bytes()
        analyze_photo(data)  # warm up imports and caches
        # the same bytes tagged Display P3, as an iPhone's JPEG: the conversion to sRGB runs too
        from benchmarks.independent_scene import display_p3_icc, with_icc

        tagged = with_icc(data, display_p3_icc())
        analyze_photo(tagged)
        decode, analyse, redness, decode_faults, analyse_faults, p3 = [], [], [], [], [], []
        with _RednessTimer() as timer:
            for _ in range(5):
                f = _minor_faults()
                t = time.perf_counter()
                cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
                decode.append(time.perf_counter() - t)
                decode_faults.append(_minor_faults() - f)
                timer.seconds = 0.0
                f = _minor_faults()
                t = time.perf_counter()
                analyze_photo(data)
                analyse.append(time.perf_counter() - t)
                analyse_faults.append(_minor_faults() - f)
                redness.append(timer.seconds)
                t = time.perf_counter()
                analyze_photo(tagged)
                p3.append(time.perf_counter() - t)
        rest = np.subtract(analyse, redness)
        result = {
            "12mp_full_decode_s_median": round(float(np.median(decode)), 3),
            "12mp_analyze_photo_s_median": round(float(np.median(analyse)), 3),
            "ratio_analyze_over_decode": round(float(np.median(analyse) / np.median(decode)), 2),
            "12mp_display_p3_analyze_photo_s_median": round(float(np.median(p3)), 3),
            "12mp_analyze_redness_steps_s_median": round(float(np.median(redness)), 3),
            "12mp_analyze_other_steps_s_median": round(float(np.median(rest)), 3),
            "12mp_full_decode_page_faults_median": int(np.median(decode_faults)),
            "12mp_analyze_photo_page_faults_median": int(np.median(analyse_faults)),
            "imports_only_peak_mb": round(_baseline_peak(), 1),
            "12mp_analyze_peak_mb": round(_child_peak(p12)["peak_mb"], 1),
            "108mp_analyze_peak_mb": round(_child_peak(p108)["peak_mb"], 1),
        }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
