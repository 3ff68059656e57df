#!/usr/bin/env bash
# Handoff load test (issue #4: trigger-to-hub-notified p99 at most 50 ms with 500 concurrent conversations).
# Builds Release (Bot and Bot.Load), then runs Bot.Load: it starts a customer Connector and a hub Connector on
# 127.0.0.1, starts the bot as a child process (Production settings, a fresh SQLite folder, the hub and enough agents
# configured through environment variables), runs discarded warm-up rounds for 30 s (tiered JIT needs that long to
# settle) and then the measured rounds of N concurrent customer conversations over HTTP (conversationUpdate, two
# questions, then "I want to speak to a person, please"; by default every conversation has its questions first and
# the 500 triggers then come within one second, the burst of issue #9; --trigger-window-ms 0 with --think-ms 0: the
# zero-think closed loop, each trigger right after its own questions; --think-ms N: customers pause about N ms between
# turns, steady traffic), and prints the trigger-to-handoff.initiate latency
# percentiles. Loopback only; bounded in time; exits non-zero when any handoff or reply did not arrive or any request
# failed.
# Agent console load: eng/load-handoff.sh console [--agents 200] [--conversations 500] [--rounds 3] [--warmup-rounds 2]
# [--provider postgres --instances 2]: with several instances the customers post to the first bot and the agents'
# push streams and console calls go to the last, so "customer message -> agent push" crosses instances.
# Several instances (issue 13 item 7): --provider postgres --instances N starts N bots on one fresh schema of --postgres
# (default $HANDOFFBOT_TEST_POSTGRES); each customer's turns go round robin over them, one request to the next; it also
# prints trigger -> the routing owner's offer, PostgreSQL's CPU per conversation and the routing owner.
# Usage: eng/load-handoff.sh [--no-build] [--conversations 500] [--rounds 3] [--think-ms 0] [--trigger-window-ms 1000] [--warmup 30] [--agents 50]
#                            [--timeout 30] [--bot-dll <path>] [--keep-log <file>]
#                            [--provider sqlite|postgres] [--instances 1] [--postgres <connection string>]
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
if [ "$build" -eq 1 ]; then
  echo "== build (Release)"
  dotnet build Bot.Load -c Release --nologo -v quiet   # builds Bot too (project reference)
fi

exec dotnet Bot.Load/bin/Release/net10.0/Bot.Load.dll "${args[@]}"
