#!/usr/bin/env bash
# Runs the evaluation on the labelled data and fails when a figure falls below Bot.Eval/baseline.json.
# Usage: eng/eval.sh <data folder>   (built by eng/test.sh first; builds itself when run alone)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
data="${1:?usage: eng/eval.sh <data folder>}"
dll="$root/Bot.Eval/bin/Release/net10.0/Bot.Eval.dll"
[ -f "$dll" ] || dotnet build "$root/Bot.Eval" -c Release --nologo -v quiet
dotnet "$dll" --data "$data" --check
