"""``python -m tracker``: analyse photos, print the rules, manage the records.

Every error a user can cause is one line on stderr and exit status 2, never a
traceback (see shared/interfaces.md).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Callable, Sequence

from tracker.errors import TrackerError

EXIT_OK = 0
EXIT_BAD_INPUT = 2


class _Parser(argparse.ArgumentParser):
    """argparse that exits with status 2 and a one-line message (its default, made explicit)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message}\n")


def _iso_datetime(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an ISO 8601 date and time, e.g. 2026-11-02T10:00 or 2026-11-02T10:00:00+01:00")


def _positive_mm(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of millimetres")
    if not 5.0 <= value <= 100.0:
        raise argparse.ArgumentTypeError(f"marker size {value} mm is outside 5-100 mm; measure the black square")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m tracker", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser("analyze", help="analyse one photo series of one injection site")
    p.add_argument("photos", nargs="+", metavar="PHOTO")
    p.add_argument("--injected-at", type=_iso_datetime, default=None, help="when the injection was given (local time)")
    p.add_argument("--marker-mm", type=_positive_mm, default=20.0, help="printed side of the card's marker (mm)")
    p.add_argument("--symptoms", default="", help="comma-separated symptom keys reported with the latest photo")
    p.add_argument("--mask-dir", type=Path, default=None, help="write <stem>_mask.png for each photo here")
    p.add_argument("--json", action="store_true", help="print one JSON document")
    p.set_defaults(func=cmd_analyze)

    p = sub.add_parser("rules", help="print the clinical rules table (id, level, source, parameters)")
    p.set_defaults(func=cmd_rules)

    p = sub.add_parser("reanalyze", help="measure stored photos again with the current algorithm (old results are kept)")
    p.add_argument("--patient", type=int, default=None, help="only this patient's photos (id)")
    p.add_argument("--marker-mm", type=_positive_mm, default=None,
                   help="printed side of the card's marker (mm); default: each patient's measured card, else 20")
    p.set_defaults(func=cmd_reanalyze)

    for register in _EXTRA_COMMANDS:
        register(sub)
    return parser


#: Other modules' subcommands (records, demo) register here: ``fn(subparsers) -> None``.
_EXTRA_COMMANDS: list[Callable[[argparse._SubParsersAction], None]] = []


def main(argv: Sequence[str] | None = None) -> int:
    _register_extras()
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or EXIT_OK)
    except TrackerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        return 130


def _register_extras() -> None:
    if _EXTRA_COMMANDS:
        return
    try:
        from tracker.records_cli import register as register_records
    except ImportError:
        return
    _EXTRA_COMMANDS.append(register_records)


def cmd_reanalyze(args: argparse.Namespace) -> int:
    """Rerun the current algorithm over stored photos (TRACKER_DATABASE_URL, TRACKER_DATA_DIR)."""
    from tracker import service

    store = service.open_store()
    try:
        report = service.reanalyze(store, service.SYSTEM, patient_id=args.patient, marker_mm=args.marker_mm)
    finally:
        store.dispose()
    print(f"algorithm {report.algorithm_version}: {report.photos_seen} photos, {report.measured} measured now, "
          f"{report.already_current} already measured by this version, {len(report.failed)} failed")
    for photo_id, reason in report.failed:
        print(f"  photo {photo_id}: {reason}", file=sys.stderr)
    return EXIT_OK if not report.failed else 1


def cmd_rules(args: argparse.Namespace) -> int:
    from tracker.triage.rules import format_rules_table

    print(format_rules_table())
    return EXIT_OK


def cmd_analyze(args: argparse.Namespace) -> int:
    from tracker.analysis import analyze_series, format_report

    symptoms = tuple(s.strip() for s in args.symptoms.split(",") if s.strip())
    result = analyze_series(args.photos, injected_at=args.injected_at, marker_mm=args.marker_mm,
                            symptoms=symptoms, mask_dir=args.mask_dir)
    if args.json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        print(format_report(result))
    return EXIT_OK
