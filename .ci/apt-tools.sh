# shellcheck shell=bash
# Debian packages some tests drive as real programs. Source it, then `ensure_apt_tools`:
#   chromium                 the HTML report test opens vchat load/soak --report in it (test/load/report.test.ts)
#   python3-fastapi, …       the seed's FastAPI app runs under uvicorn for `vchat load`/`soak` against it
#                            (test/load/fastapi-real.test.ts) and for `npm run bench:fastapi`
# Installs only what is missing (apt-get update once first); tests skip, saying why, if it still fails.

_apt_missing() {
  local missing=()
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  /usr/bin/python3 -c 'import fastapi, uvicorn, websockets, uvloop, httptools' >/dev/null 2>&1 ||
    missing+=(python3-fastapi python3-uvicorn python3-websockets python3-uvloop python3-httptools)
  echo "${missing[@]}"
}

ensure_apt_tools() {
  local missing
  missing="$(_apt_missing)"
  [ -z "$missing" ] && return 0
  echo "apt-tools.sh: installing $missing" >&2
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  # shellcheck disable=SC2086 # word splitting of the package list is intended
  if ! { $sudo apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null; }; then
    echo "apt-tools.sh: could not install $missing; the tests that need them will say SKIPPED" >&2
  fi
}
