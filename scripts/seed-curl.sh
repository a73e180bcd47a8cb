#!/usr/bin/env bash
# The seed document's "Verification Commands", rewritten for bash (they were PowerShell).
# Usage: scripts/seed-curl.sh [API] [ORIGIN]   (defaults: http://localhost:8000, http://localhost:3000)
# `npx vchat verify` runs these and much more with verdicts; this script is the by-hand version.
set -euo pipefail
API="${1:-${VCHAT_API:-http://localhost:8000}}"
ORIGIN="${2:-${VCHAT_ORIGIN:-http://localhost:3000}}"
json() { node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const v=JSON.parse(s)[process.argv[1]];if(v===undefined)process.exit(1);console.log(v)})' "$1"; }

echo "# Test CORS headers"
curl -sS -o /dev/null -D - -H "Origin: $ORIGIN" "$API/health" | grep -i '^access-control-allow-'

echo "# Create user"
user=$(curl -sS -X POST "$API/users" -H "Content-Type: application/json" -H "Origin: $ORIGIN" -d '{"username":"testuser"}')
echo "$user"; user_id=$(echo "$user" | json id)

echo "# Create room"
room=$(curl -sS -X POST "$API/rooms" -H "Content-Type: application/json" -H "Origin: $ORIGIN" -d '{"name":"testroom"}')
echo "$room"; room_id=$(echo "$room" | json id)

echo "# Join room"
curl -sS -X POST "$API/rooms/$room_id/join" -H "Content-Type: application/json" -H "Origin: $ORIGIN" \
  -d "{\"user_id\":\"$user_id\",\"username\":\"testuser\",\"avatar_url\":\"https://ui-avatars.com/api/?name=Test\"}"
echo

echo "# WebSocket (the seed says: try it in DevTools; this does it from Node with the same Origin)"
WS="${API/#http/ws}/ws/$room_id/$user_id?username=testuser"
node -e '
const WebSocket = require("ws");
const ws = new WebSocket(process.argv[1], { origin: process.argv[2] });
const t = setTimeout(() => { console.log("no answer within 5 s"); process.exit(1); }, 5000);
ws.on("open", () => { console.log("Connected! (101)"); ws.send(JSON.stringify({ content: "hello from seed-curl.sh" })); });
ws.on("message", (d) => { const f = JSON.parse(String(d)); console.log(f.type, f.content ?? f.message ?? ""); if (f.type === "message") { clearTimeout(t); ws.close(); } });
ws.on("unexpected-response", (_q, r) => { console.log("refused:", r.statusCode); process.exit(1); });
ws.on("close", (c, r) => { if (c !== 1000 && c !== 1005) { console.log("closed", c, String(r)); process.exit(1); } });
' "$WS" "$ORIGIN"

echo "# Messages with avatars"
curl -sS -H "Origin: $ORIGIN" "$API/rooms/$room_id/messages"
echo
