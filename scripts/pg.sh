#!/usr/bin/env bash
# A throwaway PostgreSQL 15 on 127.0.0.1:${CUNWU_PG_PORT:-54329} for the tests; prints its DATABASE_URL.
# `scripts/pg.sh start` starts it (idempotent); `scripts/pg.sh replica` adds a streaming replica of it on the next
# port (pg_basebackup, hot standby; idempotent) and prints the replica's URL; `scripts/pg.sh stop` stops both and
# removes their data.
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
  replica)
    RPORT=$((PORT + 1)); RDIR="$DIR-replica"
    if ! "$PGBIN/pg_isready" -q -h 127.0.0.1 -p "$RPORT"; then
      # a standby cannot start from a base backup taken while full page writes are off
      "$PGBIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -qAt -c "ALTER SYSTEM SET full_page_writes = on" \
        -c "SELECT pg_reload_conf()" >/dev/null
      rm -rf "$RDIR"; mkdir -p "$RDIR"
      [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$RDIR"
      as_pg "$PGBIN/pg_basebackup" -h 127.0.0.1 -p "$PORT" -U postgres -D "$RDIR/data" -R -X stream -c fast
      as_pg "$PGBIN/pg_ctl" -D "$RDIR/data" -l "$RDIR/log" -w -o "-h 127.0.0.1 -p $RPORT -k $RDIR -c hot_standby=on -c fsync=off" start >/dev/null
    fi
    echo "postgres://postgres@127.0.0.1:$RPORT/postgres"
    ;;
  stop)
    as_pg "$PGBIN/pg_ctl" -D "$DIR-replica/data" -m fast stop >/dev/null 2>&1 || true
    as_pg "$PGBIN/pg_ctl" -D "$DIR/data" -m fast stop >/dev/null 2>&1 || true
    rm -rf "$DIR" "$DIR-replica"
    ;;
esac
