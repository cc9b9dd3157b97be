#!/usr/bin/env bash
# The whole suite on SQLite, then on PostgreSQL 15 (a throwaway server unless CUNWU_TEST_DATABASE_URL is set).
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p artifacts/screenshots
which="${1:-both}"
status=0
# one pytest-xdist worker per core, at most 4 (each keeps its own in-memory or test_*_gwN database)
cores="$(nproc 2>/dev/null || echo 2)"
workers="${CUNWU_TEST_WORKERS:-$(( cores < 4 ? cores : 4 ))}"
xdist=(-n "$workers" --dist worksteal --durations=${CUNWU_TEST_DURATIONS:-20})
echo "== ruff =="
.venv/bin/ruff check src tests benchmarks || status=1
echo "== mypy (the service layer) =="
.venv/bin/mypy || status=1
if [ "$which" != postgres ]; then
  echo "== SQLite =="
  env -u DATABASE_URL .venv/bin/pytest "${xdist[@]}" || status=1
fi
if [ "$which" != sqlite ]; then
  echo "== PostgreSQL =="
  url="${CUNWU_TEST_DATABASE_URL:-}"
  if [ -z "$url" ]; then url="$(bash scripts/pg.sh start)" || exit 1; fi
  DATABASE_URL="$url" .venv/bin/pytest "${xdist[@]}" || status=1
fi
exit $status
