#!/usr/bin/env bash
# Usage: wait-health.sh URL STORAGE_KIND CONTAINER
# Waits up to 60 s for URL to answer 200 with storage.kind == STORAGE_KIND; prints the
# container's logs and fails otherwise.
set -euo pipefail
url="$1" kind="$2" container="$3"
for _ in $(seq 1 60); do
  if body="$(curl -fsS "$url" 2>/dev/null)"; then
    echo "$body"
    if echo "$body" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const b=JSON.parse(s);process.exit(b.status==="healthy"&&b.storage.kind===process.argv[1]&&b.storage.ok?0:1)})' "$kind"; then
      echo "healthy with $kind storage"
      exit 0
    fi
  fi
  sleep 1
done
echo "no healthy /health from $url within 60 s; container logs:" >&2
docker logs "$container" >&2 || true
exit 1
