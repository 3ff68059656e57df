#!/usr/bin/env bash
# Load with 1, 2 and 3 bot instances on one PostgreSQL (issue 13 item 7). For each N: eng/load.sh --provider postgres
# --instances N (routine expectReplies turns with wrk; each wrk thread posts to one instance, round robin, so each
# conversation keeps to one instance) and eng/load-handoff.sh --provider postgres --instances N (handoffs; each
# customer's turns go round robin over the instances, one request to the next, so no stickiness is needed). Every
# configuration starts its N bots together on a fresh schema of --postgres (default $HANDOFFBOT_TEST_POSTGRES), each
# with its own Storage:Postgres:InstanceName and port and the same DirectLine:Secret, and drops the schema at the end.
# PostgreSQL's CPU is the sum of the server's processes from /proc during the measured window (Bot.Load postgres-cpu).
# Prints the tools' output, then one summary line per N; exits non-zero when any request, reply or handoff failed.
# Usage: eng/load-instances.sh [--no-build] [--instances "1 2 3"] [--postgres <connection string>]
#          routine turns: [--duration 20] [--warmup 30] [--connections 32] [--turn-conversations 256]
#          handoffs:      [--conversations 500] [--rounds 3] [--handoff-warmup 15] [--trigger-window-ms 1000] [--think-ms 0]
#          [--skip-turns] [--skip-handoffs]
# Smoke run (about 1 min per N): eng/load-instances.sh --duration 5 --warmup 5 --conversations 100 --rounds 1 --handoff-warmup 5
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

build=1 instances="1 2 3" postgres="${HANDOFFBOT_TEST_POSTGRES:-}"
duration=20 warmup=30 connections=32 turn_conversations=256
conversations=500 rounds=3 handoff_warmup=15 window=1000 think=0 turns=1 handoffs=1
while [ $# -gt 0 ]; do
  case "$1" in
    --no-build) build=0; shift ;;
    --instances) instances="$2"; shift 2 ;;
    --postgres) postgres="$2"; shift 2 ;;
    --duration) duration="$2"; shift 2 ;;
    --warmup) warmup="$2"; shift 2 ;;
    --connections) connections="$2"; shift 2 ;;
    --turn-conversations) turn_conversations="$2"; shift 2 ;;
    --conversations) conversations="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    --handoff-warmup) handoff_warmup="$2"; shift 2 ;;
    --trigger-window-ms) window="$2"; shift 2 ;;
    --think-ms) think="$2"; shift 2 ;;
    --skip-turns) turns=0; shift ;;
    --skip-handoffs) handoffs=0; shift ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done
if [ -z "$postgres" ]; then
  echo "needs --postgres <connection string> or HANDOFFBOT_TEST_POSTGRES (source eng/prerequisites.sh; source eng/postgres.sh; start_test_postgres)" >&2
  exit 2
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
if [ "$build" -eq 1 ]; then
  echo "== build (Release)"
  dotnet build Bot.Load -c Release --nologo -v quiet >/dev/null || exit 1   # builds Bot too (project reference)
fi

out=$(mktemp -d -t handoffbot-load-instances-XXXXXX)
trap 'rm -rf "$out"' EXIT
status=0
# Runs one tool, shows its output, keeps its RESULT line in $out/<name>.
run() {
  local name="$1"; shift
  "$@" 2>&1 | tee "$out/$name.log"
  [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
  grep '^RESULT ' "$out/$name.log" | tail -1 | sed 's/^RESULT //' >"$out/$name"
}
# The value of key $2 in the RESULT line $1 ("-" when absent).
field() { tr ' ' '\n' <"$1" 2>/dev/null | sed -n "s/^$2=//p" | grep . || echo "-"; }

started=$(date -u '+%Y-%m-%d %H:%M')
for n in $instances; do
  if [ "$turns" -eq 1 ]; then
    echo "== $n instance(s): routine turns (eng/load.sh)"
    run "turns-$n" bash eng/load.sh --no-build --provider postgres --instances "$n" --postgres "$postgres" \
      --duration "$duration" --warmup "$warmup" --connections "$connections" --conversations "$turn_conversations"
  fi
  if [ "$handoffs" -eq 1 ]; then
    echo "== $n instance(s): handoffs (eng/load-handoff.sh)"
    run "handoffs-$n" bash eng/load-handoff.sh --no-build --provider postgres --instances "$n" --postgres "$postgres" \
      --conversations "$conversations" --rounds "$rounds" --warmup "$handoff_warmup" --trigger-window-ms "$window" --think-ms "$think"
  fi
done

echo "== summary ($started UTC, $(nproc) cores; turns: ${duration} s after ${warmup} s warm-up at $connections connections; handoffs: $conversations conversations x $rounds rounds, trigger window $window ms, think $think ms)"
for n in $instances; do
  t="$out/turns-$n" h="$out/handoffs-$n"
  line="instances $n:"
  if [ "$turns" -eq 1 ]; then
    line+=" turns/s $(field "$t" turns_per_s) p50 $(field "$t" p50_ms) p90 $(field "$t" p90_ms) p99 $(field "$t" p99_ms) ms"
    line+=" failed $(field "$t" failed) socket errors $(field "$t" socket_errors) bot errors $(field "$t" bot_errors)"
    line+=" | CPU/turn bots $(field "$t" bot_cpu_us_per_turn) us postgres $(field "$t" pg_cpu_us_per_turn) us (this run's backends $(field "$t" pg_backends_cpu_us_per_turn) us)"
    line+=" | load $(field "$t" load_average)"
  fi
  if [ "$handoffs" -eq 1 ]; then
    line+=" || handoffs $(field "$h" handoffs)/$(field "$h" conversations): trigger->hub p50 $(field "$h" handoff_p50_ms) p99 $(field "$h" handoff_p99_ms) ms"
    line+=", trigger->offer p99 $(field "$h" offer_p99_ms) ms, missing $(field "$h" missing) offers missing $(field "$h" missing_offers) failed $(field "$h" failed)"
    line+=" | CPU/conversation bots $(field "$h" bot_cpu_us_per_conversation) us postgres $(field "$h" pg_cpu_us_per_conversation) us"
    line+=" | routing owner $(field "$h" routing_owner) | load $(field "$h" load_average)"
  fi
  echo "$line"
done
exit $status
