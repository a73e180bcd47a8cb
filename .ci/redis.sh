# shellcheck shell=bash
# Throwaway Redis for the scale-out tests. Source it, then:
#   start_redis            # installs Debian's redis-server if missing, starts one on a free
#                          # port in a temp dir, exports VCHAT_TEST_REDIS_URL
#   trap stop_redis EXIT   # (or call stop_redis from your own trap)
# Nothing is persisted (--save '' --appendonly no); it listens on 127.0.0.1 only.

start_redis() {
  if ! command -v redis-server >/dev/null 2>&1; then
    echo "redis.sh: installing redis-server" >&2
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update -qq >/dev/null && $sudo apt-get install -y -qq redis-server >/dev/null
  fi
  VCHAT_REDIS_DIR="$(mktemp -d "${TMPDIR:-/tmp}/vchat-redis.XXXXXX")"
  local port
  port="$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
  redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
    --dir "$VCHAT_REDIS_DIR" --pidfile "$VCHAT_REDIS_DIR/redis.pid" --logfile "$VCHAT_REDIS_DIR/redis.log"
  local i
  for i in $(seq 1 50); do
    redis-cli -p "$port" ping >/dev/null 2>&1 && break
    sleep 0.1
  done
  if ! redis-cli -p "$port" ping >/dev/null 2>&1; then
    echo "redis.sh: redis-server did not start; log follows" >&2
    cat "$VCHAT_REDIS_DIR/redis.log" >&2 || true
    return 1
  fi
  export VCHAT_REDIS_DIR
  export VCHAT_TEST_REDIS_URL="redis://127.0.0.1:$port"
  echo "redis.sh: redis-server on $VCHAT_TEST_REDIS_URL" >&2
}

stop_redis() {
  [ -n "${VCHAT_REDIS_DIR:-}" ] || return 0
  if [ -f "$VCHAT_REDIS_DIR/redis.pid" ]; then
    kill "$(cat "$VCHAT_REDIS_DIR/redis.pid")" 2>/dev/null || true
    sleep 0.2
  fi
  rm -rf "$VCHAT_REDIS_DIR"
  unset VCHAT_REDIS_DIR VCHAT_TEST_REDIS_URL
}
