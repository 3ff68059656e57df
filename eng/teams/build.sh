#!/usr/bin/env bash
# Builds the Teams app packages for a deployed bot: artifacts/teams/handoffbot-hub.zip and handoffbot-customer.zip.
# Usage: eng/teams/build.sh --bot-id <appId output of the deployment> --domain <host of the Web App> [--version 1.0.0] [--out <folder>]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
[ -d "$here/node_modules/@microsoft/app-manifest" ] || (cd "$here" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
node "$here/build.mjs" "$@"
args=("$@")
bot_id="" domain=""
for ((i = 0; i < ${#args[@]}; i++)); do
  case "${args[$i]}" in
    --bot-id) bot_id="${args[$((i + 1))]}" ;;
    --domain) domain="${args[$((i + 1))]}" ;;
  esac
done
out="$here/../../artifacts/teams"
for ((i = 0; i < ${#args[@]}; i++)); do [ "${args[$i]}" = "--out" ] && out="${args[$((i + 1))]}"; done
node "$here/validate.mjs" --bot-id "$bot_id" --domain "$domain" "$out"/handoffbot-*.zip
