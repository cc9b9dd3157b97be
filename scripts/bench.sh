#!/usr/bin/env bash
# Benchmarks (not part of `make test`): each figure beside a plain baseline measured in the same run.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf var/bench && mkdir -p var/bench
echo "== SQLite =="
CUNWU_VAR_DIR="$PWD/var/bench" env -u DATABASE_URL .venv/bin/python benchmarks/foundation.py
CUNWU_VAR_DIR="$PWD/var/bench" env -u DATABASE_URL .venv/bin/python benchmarks/directory.py
CUNWU_VAR_DIR="$PWD/var/bench" env -u DATABASE_URL .venv/bin/python benchmarks/cases.py
CUNWU_VAR_DIR="$PWD/var/bench" env -u DATABASE_URL .venv/bin/python benchmarks/open311.py
CUNWU_VAR_DIR="$PWD/var/bench" env -u DATABASE_URL .venv/bin/python benchmarks/inbox.py
CUNWU_VAR_DIR="$PWD/var/bench" env -u DATABASE_URL .venv/bin/python benchmarks/certificates.py
CUNWU_VAR_DIR="$PWD/var/bench" env -u DATABASE_URL .venv/bin/python benchmarks/legal.py
CUNWU_VAR_DIR="$PWD/var/bench" env -u DATABASE_URL .venv/bin/python benchmarks/legal_figures.py
CUNWU_VAR_DIR="$PWD/var/bench" env -u DATABASE_URL .venv/bin/python benchmarks/warnings_fanout.py
CUNWU_VAR_DIR="$PWD/var/bench" env -u DATABASE_URL .venv/bin/python benchmarks/portal.py
CUNWU_VAR_DIR="$PWD/var/bench" env -u DATABASE_URL .venv/bin/python benchmarks/households.py
CUNWU_VAR_DIR="$PWD/var/bench" env -u DATABASE_URL .venv/bin/python benchmarks/intake.py
CUNWU_VAR_DIR="$PWD/var/bench" env -u DATABASE_URL .venv/bin/python benchmarks/peer.py
echo "== PostgreSQL =="
url="$(bash scripts/pg.sh start)"
.venv/bin/python - "$url" <<'PY'
import sys, psycopg
with psycopg.connect(sys.argv[1], autocommit=True) as c:
    c.execute("DROP DATABASE IF EXISTS cunwu_bench"); c.execute("CREATE DATABASE cunwu_bench")
PY
CUNWU_VAR_DIR="$PWD/var/bench" DATABASE_URL="${url%/*}/cunwu_bench" .venv/bin/python benchmarks/foundation.py
CUNWU_VAR_DIR="$PWD/var/bench" DATABASE_URL="${url%/*}/cunwu_bench" .venv/bin/python benchmarks/directory.py
CUNWU_VAR_DIR="$PWD/var/bench" DATABASE_URL="${url%/*}/cunwu_bench" .venv/bin/python benchmarks/cases.py
CUNWU_VAR_DIR="$PWD/var/bench" DATABASE_URL="${url%/*}/cunwu_bench" .venv/bin/python benchmarks/open311.py
CUNWU_VAR_DIR="$PWD/var/bench" DATABASE_URL="${url%/*}/cunwu_bench" .venv/bin/python benchmarks/inbox.py
CUNWU_VAR_DIR="$PWD/var/bench" DATABASE_URL="${url%/*}/cunwu_bench" .venv/bin/python benchmarks/certificates.py
CUNWU_VAR_DIR="$PWD/var/bench" DATABASE_URL="${url%/*}/cunwu_bench" .venv/bin/python benchmarks/legal.py
CUNWU_VAR_DIR="$PWD/var/bench" DATABASE_URL="${url%/*}/cunwu_bench" .venv/bin/python benchmarks/legal_figures.py
CUNWU_VAR_DIR="$PWD/var/bench" DATABASE_URL="${url%/*}/cunwu_bench" .venv/bin/python benchmarks/warnings_fanout.py
CUNWU_VAR_DIR="$PWD/var/bench" DATABASE_URL="${url%/*}/cunwu_bench" .venv/bin/python benchmarks/portal.py
CUNWU_VAR_DIR="$PWD/var/bench" DATABASE_URL="${url%/*}/cunwu_bench" .venv/bin/python benchmarks/households.py
CUNWU_VAR_DIR="$PWD/var/bench" DATABASE_URL="${url%/*}/cunwu_bench" .venv/bin/python benchmarks/intake.py
CUNWU_VAR_DIR="$PWD/var/bench" DATABASE_URL="${url%/*}/cunwu_bench" .venv/bin/python benchmarks/scale.py
