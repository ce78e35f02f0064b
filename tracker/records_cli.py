"""Subcommands about the records, registered into ``python -m tracker`` (see tracker/cli.py).

``demo``: seed a demo clinic from the sample series and print the logins.
"""

from __future__ import annotations

import argparse

from tracker.cli import EXIT_OK


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add this module's subcommands to the ``python -m tracker`` parser."""
    p = subparsers.add_parser("demo", help="seed a demo clinic from sample_images/ and print the demo logins")
    p.add_argument("--if-empty", action="store_true",
                   help="do nothing (but print the logins) when the records already hold a clinic")
    p.set_defaults(func=cmd_demo)


def cmd_demo(args: argparse.Namespace) -> int:
    """Seed the demo clinic (TRACKER_DATABASE_URL, TRACKER_DATA_DIR)."""
    from tracker import demo, service

    store = service.open_store()
    try:
        if not demo.is_empty(store):
            if args.if_empty:
                print("demo: the records are not empty; nothing seeded. Demo logins (if this is the demo):")
                print(demo.logins_text())
                return EXIT_OK
            print("demo: the records already hold a clinic; use an empty TRACKER_DATA_DIR for the demo.")
            return 2
        levels = demo.seed(store, progress=lambda line: print(f"demo: {line}", flush=True))
    finally:
        store.dispose()
    print("demo: seeded the Demo Clinic. Sign in with:")
    print(demo.logins_text(levels))
    return EXIT_OK
