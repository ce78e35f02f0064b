#!/usr/bin/env bash
# Run the whole test suite: start a throwaway PostgreSQL cluster when the server
# binaries are present, point the storage tests at it, run pytest (slow marker included),
# and stop the cluster afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
source scripts/pg-throwaway.sh
pg_throwaway_start || true
trap pg_throwaway_stop EXIT
"$PY" -m pytest -q "$@"
