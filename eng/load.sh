#!/usr/bin/env bash
# Load test: builds Release, starts the bot on 127.0.0.1 (Production settings, a fresh SQLite file in a temporary
# folder), warms it up (30 s by default: tiered JIT with dynamic PGO needs that long to settle on a busy 2-core
# machine; measured before/after in the README), then drives POST /api/messages with expectReplies turns from many concurrent conversations
# with wrk, prints turns/s and p50/p99 latency, stops the bot and exits. Loopback only; bounded in time.
# Usage: eng/load.sh [--connections 32] [--duration 10] [--threads 2] [--warmup 30] [--no-build]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

connections=32 duration=10 threads=2 warmup=30 build=1
while [ $# -gt 0 ]; do
  case "$1" in
    --connections) connections="$2"; shift 2 ;;
    --duration) duration="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --warmup) warmup="$2"; shift 2 ;;
    --no-build) build=0; shift ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
if ! command -v wrk >/dev/null; then
  echo "== installing wrk"
  apt-get update -qq >/dev/null 2>&1 || true
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends wrk >/dev/null
fi
if [ "$build" -eq 1 ]; then
  echo "== build (Release)"
  dotnet build Bot -c Release --nologo -v quiet >/dev/null
fi

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
data=$(mktemp -d -t handoffbot-load-XXXXXX)
log="$data/bot.log"
bot_pid=""
cleanup() {
  if [ -n "$bot_pid" ] && kill -0 "$bot_pid" 2>/dev/null; then
    kill "$bot_pid" 2>/dev/null || true
    wait "$bot_pid" 2>/dev/null || true
  fi
  rm -rf "$data"
}
trap cleanup EXIT

echo "== starting the bot on http://127.0.0.1:$port (Production, SQLite in $data)"
ASPNETCORE_ENVIRONMENT=Production Storage__DataFolder="$data" \
  dotnet Bot/bin/Release/net10.0/HandoffBot.dll --urls "http://127.0.0.1:$port" >"$log" 2>&1 &
bot_pid=$!
for _ in $(seq 1 60); do
  if curl -fsS "http://127.0.0.1:$port/health/ready" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$bot_pid" 2>/dev/null; then echo "the bot exited:"; cat "$log"; exit 1; fi
  sleep 0.5
done
curl -fsS "http://127.0.0.1:$port/health/ready" >/dev/null || { echo "the bot did not become ready"; cat "$log"; exit 1; }

url="http://127.0.0.1:$port/api/messages"
echo "== warm-up: ${warmup}s at $connections connections"
LOAD_RUN_ID="warm$$" timeout $((warmup + 30)) wrk -t "$threads" -c "$connections" -d "${warmup}s" -s eng/load.lua "$url" >/dev/null

echo "== load: ${duration}s at $connections connections, $threads wrk threads ($(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg))"
cpu_ticks() { awk '{print $14 + $15}' "/proc/$bot_pid/stat"; }
cpu_before=$(cpu_ticks)
out=$(LOAD_RUN_ID="run$$" timeout $((duration + 30)) wrk -t "$threads" -c "$connections" -d "${duration}s" --timeout 5s --latency -s eng/load.lua "$url")
cpu_after=$(cpu_ticks)
echo "$out" | grep -E 'Latency|Req/Sec|requests in|Non-2xx' || true
result=$(echo "$out" | grep '^RESULT' | sed 's/^RESULT //')
eval "$result"
# CPU the bot process used per turn (user + system): a figure that holds even when other work shares the cores.
cpu_us_per_turn=$(( (cpu_after - cpu_before) * 1000000 / $(getconf CLK_TCK) / (turns > 0 ? turns : 1) ))
printf 'turns/s: %s   p50: %s ms   p90: %s ms   p99: %s ms   max: %s ms   turns: %s   failed: %s   socket errors: %s   bot CPU/turn: %s us\n' \
  "$turns_per_s" "$p50_ms" "$p90_ms" "$p99_ms" "$max_ms" "$turns" "$failed" "$socket_errors" "$cpu_us_per_turn"
# Stop the bot now so it logs how many turns reached the sentence encoder (EventId 3901).
kill "$bot_pid" 2>/dev/null || true
wait "$bot_pid" 2>/dev/null || true
grep -o 'Sentence encoder: .*' "$log" || true
if grep -qiE ' fail|exception' "$log"; then
  echo "== the bot logged errors:"; grep -iE -A3 ' fail|exception' "$log" | head -20
fi
[ "$failed" -eq 0 ] && [ "$socket_errors" -eq 0 ]
