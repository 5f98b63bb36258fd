# Sourced by scripts/test and bench/run: throw-away PostgreSQL and Redis on free loopback ports,
# stopped by pid when the calling script exits (services_cleanup is installed as an EXIT trap).
#
#   services_start_postgres          # sets PG_PORT, PG_PID, PGBIN and exports DATABASE_URL (db "portal")
#   services_createdb NAME           # creates database NAME in that cluster
#   services_start_redis             # sets REDIS_PORT, REDIS_PID and exports TEST_REDIS_URL
# Everything lives in RUN_DIR (a mktemp dir), removed at exit.

free_port() { .venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
RUN_DIR="$(mktemp -d /tmp/portal-test.XXXXXX)"
PG_PID=""; REDIS_PID=""
services_cleanup() {
  local rc=$?
  if [ -n "$REDIS_PID" ] && kill -0 "$REDIS_PID" 2>/dev/null; then kill "$REDIS_PID"; fi
  if [ -n "$PG_PID" ] && kill -0 "$PG_PID" 2>/dev/null; then
    kill -INT "$PG_PID"   # fast shutdown
    for _ in $(seq 50); do kill -0 "$PG_PID" 2>/dev/null || break; sleep 0.1; done
  fi
  rm -rf "$RUN_DIR"
  exit $rc
}
trap services_cleanup EXIT INT TERM

as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

services_start_postgres() {
  PGBIN="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
  PG_PORT="$(free_port)"
  mkdir -p "$RUN_DIR/pg"
  [ "$(id -u)" = 0 ] && chown postgres "$RUN_DIR" "$RUN_DIR/pg"
  as_pg "$PGBIN/initdb" -D "$RUN_DIR/pg/data" -U postgres -A trust --no-sync -E UTF8 >"$RUN_DIR/pg/initdb.log"
  as_pg "$PGBIN/pg_ctl" -D "$RUN_DIR/pg/data" -l "$RUN_DIR/pg/server.log" -w -o \
    "-p $PG_PORT -k $RUN_DIR/pg -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    start >/dev/null
  PG_PID="$(head -1 "$RUN_DIR/pg/data/postmaster.pid")"
  export DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/portal"
  echo "==> PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PG_PORT (pid $PG_PID)"
}

services_createdb() {
  "$PGBIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres "$1"
}

services_start_redis() {
  REDIS_PORT="$(free_port)"
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
    --pidfile "$RUN_DIR/redis.pid" --logfile "$RUN_DIR/redis.log" --dir "$RUN_DIR"
  for _ in $(seq 50); do [ -s "$RUN_DIR/redis.pid" ] && break; sleep 0.1; done
  REDIS_PID="$(cat "$RUN_DIR/redis.pid")"
  export TEST_REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
  echo "==> Redis on 127.0.0.1:$REDIS_PORT (pid $REDIS_PID)"
}
