# shellcheck shell=bash
# Throwaway Postgres for the store tests. Source it, then:
#   start_postgres            # installs Debian's postgresql if missing, runs initdb + a server
#                             # as a non-root user on a free port in a temp dir, and exports
#                             # VCHAT_TEST_DATABASE_URL (a database the tests may use and
#                             # create further databases from), VCHAT_TEST_PGDATA, VCHAT_TEST_PG_BIN
#   trap stop_postgres EXIT   # (or call stop_postgres from your own trap)
# Nothing survives: fsync is off and the directory is removed on stop. 127.0.0.1 only, trust auth.

# Newest installed Debian postgresql bin dir, or nothing.
_pg_bindir() {
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

# Run a command as the cluster's owner (the `postgres` system user when we are root).
_pg_as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

start_postgres() {
  local bindir
  bindir="$(_pg_bindir)"
  if [ -z "$bindir" ] || [ ! -x "$bindir/pg_ctl" ]; then
    echo "postgres.sh: installing postgresql" >&2
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq postgresql >/dev/null
    bindir="$(_pg_bindir)"
  fi
  if [ -z "$bindir" ]; then
    echo "postgres.sh: no postgresql binaries under /usr/lib/postgresql" >&2
    return 1
  fi

  VCHAT_PG_DIR="$(mktemp -d "${TMPDIR:-/tmp}/vchat-pg.XXXXXX")"
  export VCHAT_PG_DIR
  [ "$(id -u)" -eq 0 ] && chown postgres: "$VCHAT_PG_DIR"
  local port
  port="$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"

  _pg_as_owner "$bindir/initdb" -D "$VCHAT_PG_DIR/data" -U vchat --auth=trust -E UTF8 --no-sync >"$VCHAT_PG_DIR/initdb.log" 2>&1 || {
    echo "postgres.sh: initdb failed; log follows" >&2
    cat "$VCHAT_PG_DIR/initdb.log" >&2
    return 1
  }
  _pg_as_owner "$bindir/pg_ctl" -D "$VCHAT_PG_DIR/data" -l "$VCHAT_PG_DIR/server.log" -w -t 30 start \
    -o "-p $port -c listen_addresses=127.0.0.1 -k $VCHAT_PG_DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    >/dev/null || {
    echo "postgres.sh: postgres did not start; log follows" >&2
    cat "$VCHAT_PG_DIR/server.log" >&2 || true
    return 1
  }
  _pg_as_owner "$bindir/createdb" -h 127.0.0.1 -p "$port" -U vchat vchat_test

  export VCHAT_TEST_PGDATA="$VCHAT_PG_DIR/data"
  export VCHAT_TEST_PG_BIN="$bindir"
  export VCHAT_TEST_DATABASE_URL="postgres://vchat@127.0.0.1:$port/vchat_test"
  echo "postgres.sh: postgres on $VCHAT_TEST_DATABASE_URL" >&2
}

stop_postgres() {
  [ -n "${VCHAT_PG_DIR:-}" ] || return 0
  if [ -f "$VCHAT_PG_DIR/data/postmaster.pid" ]; then
    _pg_as_owner "$VCHAT_TEST_PG_BIN/pg_ctl" -D "$VCHAT_PG_DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$VCHAT_PG_DIR"
  unset VCHAT_PG_DIR VCHAT_TEST_PGDATA VCHAT_TEST_PG_BIN VCHAT_TEST_DATABASE_URL
}
