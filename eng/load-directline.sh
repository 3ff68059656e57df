#!/usr/bin/env bash
# Direct Line load run: builds and starts HandoffBot on a loopback port with a throw-away data folder, holds N Direct
# Line WebSocket conversations open and posts messages at a steady rate (eng/directline-conformance/load.js), prints
# conversations held open, messages/s and p50/p99 delivery latency, then stops the bot. Loopback only, bounded in time.
# Usage: eng/load-directline.sh [conversations=300] [messages per second=100] [seconds=30]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
conversations="${1:-300}" rate="${2:-100}" seconds="${3:-30}"
port="${LOAD_PORT:-5390}"
secret="load-secret-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
data="$(mktemp -d)"

# shellcheck source=eng/prerequisites.sh
source "$root/eng/prerequisites.sh"
ensure_prerequisites
dotnet build "$root/Bot" -c Release --nologo -v quiet >/dev/null

export DirectLine__Secret="$secret" DirectLine__RequestsPerWindow=1000000 Storage__DataFolder="$data" \
       Logging__LogLevel__Default=Warning Urls="http://127.0.0.1:$port"
dotnet "$root/Bot/bin/Release/net10.0/HandoffBot.dll" >"$data/bot.log" 2>&1 &
bot=$!
cleanup() { kill "$bot" 2>/dev/null || true; wait "$bot" 2>/dev/null || true; rm -rf "$data"; }
trap cleanup EXIT
for _ in $(seq 1 100); do
  curl -fs "http://127.0.0.1:$port/health/live" >/dev/null 2>&1 && break
  sleep 0.2
done
echo "== Direct Line load: $conversations conversations, $rate messages/s, $seconds s ($(nproc) cores)"
(cd "$root/eng/directline-conformance" && node load.js "http://127.0.0.1:$port" "$secret" "$conversations" "$rate" "$seconds")
