#!/usr/bin/env bash
# Offline check of the Teams app packages (eng/teams/check.mjs): both packages build for a made-up bot and validate
# against the pinned Teams schema v1.25 bundled in @microsoft/app-manifest; icon sizes and colours checked; the
# validator refuses broken packages. The npm packages come from eng/teams/package-lock.json (eng/prerequisites.sh).
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
if [ ! -d "$here/node_modules/@microsoft/app-manifest" ]; then
  (cd "$here" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error) || { echo "teams: npm ci failed in $here"; exit 1; }
fi
exec node "$here/check.mjs"
