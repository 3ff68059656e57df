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
  return 0
}
