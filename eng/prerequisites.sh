#!/usr/bin/env bash
# Installs what the tests need when it is missing. Sourced by eng/test.sh; each step is idempotent.

apt_updated=0
apt_install() {
  if [ "$apt_updated" -eq 0 ]; then
    apt-get update -qq >/dev/null 2>&1 || true
    apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

ensure_prerequisites() {
  command -v dotnet >/dev/null || { echo "dotnet SDK is required" >&2; return 1; }
  # npm fetches the VADER lexicon (npm package vader-sentiment) when Bot builds (Bot/Escalation/Sentiment/VaderLexicon.targets).
  command -v npm >/dev/null || apt_install nodejs npm || { echo "npm is required to fetch the VADER lexicon" >&2; return 1; }
  ensure_directline_prerequisites || return 1
  ensure_teams_prerequisites || return 1
  ensure_postgres_prerequisites || return 1
  return 0
}

# The PostgreSQL provider's contract tests: Debian's postgresql (initdb, pg_ctl; eng/postgres.sh starts a throwaway
# cluster from them). The package's own cluster service is not needed and not started.
ensure_postgres_prerequisites() {
  if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    echo "installing postgresql (apt-get)"
    apt_install postgresql || { echo "could not install postgresql" >&2; return 1; }
  fi
  return 0
}

# Teams package and Adaptive Card checks: @microsoft/app-manifest (+ fs-extra) and adaptivecards from eng/teams/package-lock.json.
ensure_teams_prerequisites() {
  local teams
  teams="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/teams"
  if [ ! -d "$teams/node_modules/adaptivecards" ] || [ "$teams/package-lock.json" -nt "$teams/node_modules/.package-lock.json" ]; then
    echo "installing the Teams package and card checks (npm ci)"
    (cd "$teams" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error) || { echo "npm ci failed in $teams" >&2; return 1; }
  fi
  return 0
}

# Web Chat and Direct Line tests: Debian's Chromium (Playwright downloads no browser), Node.js/npm for the Web Chat
# bundle (installed by the Bot build), for the botframework-directlinejs conformance client and for axe-core.
ensure_directline_prerequisites() {
  local root
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  if [ ! -x /usr/bin/chromium ]; then
    echo "installing chromium (apt-get)"
    apt_install chromium || { echo "could not install chromium" >&2; return 1; }
  fi
  local conformance="$root/eng/directline-conformance"
  if [ ! -d "$conformance/node_modules/botframework-directlinejs" ] || [ "$conformance/package-lock.json" -nt "$conformance/node_modules/.package-lock.json" ]; then
    echo "installing the Direct Line conformance client (npm ci)"
    (cd "$conformance" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error) || { echo "npm ci failed in $conformance" >&2; return 1; }
  fi
  local tools="$root/eng/browser-tests"
  if [ ! -d "$tools/node_modules/axe-core" ] || [ "$tools/package-lock.json" -nt "$tools/node_modules/.package-lock.json" ]; then
    echo "installing the browser test tools (npm ci)"
    (cd "$tools" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error) || { echo "npm ci failed in $tools" >&2; return 1; }
  fi
  return 0
}
