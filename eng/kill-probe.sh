#!/usr/bin/env bash
# The kill -9 probe (issue 13 item 5: exactly once end to end). Builds Release (Bot and Bot.Load), then runs
# Bot.Load kill-probe: the bot as a child process on a fresh database, 40 conversations x 10 message turns posted on
# the normal channel path (replies go to a customer Connector on 127.0.0.1 in the tool), kill -9 of the bot once a
# quarter of the turns were answered, a restart on the same database, and then for every accepted activity the replies
# received: lost (none) and duplicates (the same reply twice). Prints one summary line; exits non-zero when anything
# was lost or duplicated. Loopback only; bounded in time.
# PostgreSQL: source eng/postgres.sh; start_test_postgres; eng/kill-probe.sh --provider postgres; stop_test_postgres
# Two instances (PostgreSQL only): --provider postgres --instances 2: two bots on one schema (instance names
# kill-probe-a/-b, Storage:Postgres:InstanceLease 3 s, conversation c always on bot c mod 2); bot a is killed and NOT
# restarted: bot b must take its inbox over once its lease ran out and answer every accepted turn.
# Direct Line: --channel directline (one instance): the customers talk through the bot's own Direct Line (a conversation
# each, POST .../activities with its token, the history polled by watermark) and lost/duplicates are counted from each
# conversation's Direct Line history after the restart.
# Handoffs with relay in flight (issue 13 item 6, first bullet; always PostgreSQL, 2 instances, lease 3 s): --relay:
# 20 customers escalate, console agents (API keys) on the instance that is not the routing owner accept and both sides
# send 20 numbered messages at 400 ms; the routing owner (pg_locks) gets kill -9 3 s into the relay and is not
# restarted; every message counted once per direction, the survivor's takeover of routing timed, no outbox row unsent.
# eng/kill-probe.sh --relay [--conversations 20] [--agents 5] [--messages 20] [--pace-ms 400] [--kill-after-ms 3000] [--timeout 60]
# Usage: eng/kill-probe.sh [--no-build] [--runs 1] [--channel connector|directline] [--provider sqlite|postgres] [--instances 1|2] [--lease 3] [--conversations 40] [--turns 10]
#                          [--kill-after 100] [--quiet-ms 3000] [--timeout 120] [--postgres <connection string>] [--keep-log <file>]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

build=1 runs=1 args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --no-build) build=0; shift ;;
    --runs) runs="$2"; shift 2 ;;
    *) args+=("$1"); shift ;;
  esac
done

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
if [ "$build" -eq 1 ]; then
  echo "== build (Release)"
  nice dotnet build Bot.Load -c Release --nologo -v quiet   # builds Bot too (project reference)
fi

status=0
for run in $(seq 1 "$runs"); do
  echo "== run $run of $runs"
  nice dotnet Bot.Load/bin/Release/net10.0/Bot.Load.dll kill-probe "${args[@]}" || status=1
done
exit $status
