#!/usr/bin/env bash
# Load test: builds Release (Bot and Bot.Load), then runs Bot.Load turns: the bot on 127.0.0.1 (Production settings,
# a fresh SQLite file in a temporary folder), a warm-up (30 s by default: tiered JIT with dynamic PGO needs that long
# to settle on a busy 2-core machine; measured before/after in the README), then wrk drives POST /api/messages with
# expectReplies turns from many concurrent conversations (eng/load.lua); prints turns/s, p50/p90/p99 latency and the
# bot's CPU per turn, stops the bot and exits (non-zero on any failed request, socket error or bot error).
# Several instances (issue 13 item 7): --provider postgres --instances N starts N bots on one fresh schema of
# --postgres (default $HANDOFFBOT_TEST_POSTGRES), each with its own instance name and port; the wrk threads are spread
# round robin over them (each conversation keeps to one instance); the summary adds PostgreSQL's CPU per turn
# (all the server's processes, from /proc) and that of this run's backends. eng/load-instances.sh runs N = 1, 2, 3.
# Loopback only; bounded in time.
# Usage: eng/load.sh [--connections 32] [--duration 10] [--threads 2] [--warmup 30] [--no-build]
#                    [--provider sqlite|postgres] [--instances 1] [--postgres <connection string>] [--keep-log <file>]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

build=1 args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --no-build) build=0; shift ;;
    *) args+=("$1"); shift ;;
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
  dotnet build Bot.Load -c Release --nologo -v quiet >/dev/null   # builds Bot too (project reference)
fi

exec dotnet Bot.Load/bin/Release/net10.0/Bot.Load.dll turns "${args[@]}"
