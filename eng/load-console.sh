#!/usr/bin/env bash
# Agent console load test (issue #10): N agents on the console's push channel (Server-Sent Events) and M customer
# conversations on the normal channel path. Prints trigger -> offer shown to the agent and customer message -> agent's
# push channel percentiles, and the bot's CPU per handoff. Loopback only.
# Usage: eng/load-console.sh [--no-build] [--agents 200] [--conversations 500] [--rounds 3] [--warmup-rounds 2] [--timeout 30]
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
  dotnet build Bot.Load -c Release --nologo -v quiet
fi
exec dotnet Bot.Load/bin/Release/net10.0/Bot.Load.dll console "${args[@]}"
