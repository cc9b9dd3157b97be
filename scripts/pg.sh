#!/usr/bin/env bash
# A throwaway PostgreSQL 15 on 127.0.0.1:${CUNWU_PG_PORT:-54329} for the tests; prints its DATABASE_URL.
# `scripts/pg.sh start` starts it (idempotent); `scripts/pg.sh stop` stops it and removes its data.
set -euo pipefail
PORT="${CUNWU_PG_PORT:-54329}"
DIR="${CUNWU_PG_DIR:-/tmp/cunwu-pg-$PORT}"
PGBIN="$(ls -d /usr/lib/postgresql/15/bin 2>/dev/null || dirname "$(command -v initdb)")"
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
case "${1:-start}" in
  start)
    if ! "$PGBIN/pg_isready" -q -h 127.0.0.1 -p "$PORT"; then
      rm -rf "$DIR"; mkdir -p "$DIR"
      [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$DIR"
      as_pg "$PGBIN/initdb" -D "$DIR/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
      as_pg "$PGBIN/pg_ctl" -D "$DIR/data" -l "$DIR/log" -w -o "-h 127.0.0.1 -p $PORT -k $DIR -c fsync=off -c synchronous_commit=on -c full_page_writes=off" start >/dev/null
    fi
    echo "postgres://postgres@127.0.0.1:$PORT/postgres"
    ;;
  stop)
    as_pg "$PGBIN/pg_ctl" -D "$DIR/data" -m fast stop >/dev/null 2>&1 || true
    rm -rf "$DIR"
    ;;
esac
