#!/usr/bin/env bash
# Builds and lints deploymentTemplates/ offline with the Bicep CLI from NuGet (Azure.Bicep.CommandLine.linux-x64,
# restored by eng/bicep/BicepCli.csproj) and fails on any Warning or Error: the CLI exits 0 on warnings, and core
# warnings cannot be raised to errors in bicepconfig.json, so the SARIF results of `bicep lint` are counted too.
# The committed ARM JSON (templates and parameter files) must equal a fresh build.
# Usage: eng/bicep.sh [--update]   (--update rewrites the committed JSON from the Bicep sources)
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
templates="$root/deploymentTemplates"
update=0
[ "${1:-}" = "--update" ] && update=1

dotnet restore "$root/eng/bicep/BicepCli.csproj" --nologo -v quiet >/dev/null || { echo "bicep: restore of the Bicep CLI failed" >&2; exit 1; }
packages="${NUGET_PACKAGES:-$(dotnet nuget locals global-packages -l | sed 's/^global-packages: //')}"
version=$(sed -n 's/.*Azure.Bicep.CommandLine.linux-x64" Version="\[\([^]]*\)\]".*/\1/p' "$root/eng/bicep/BicepCli.csproj")
bicep="${packages%/}/azure.bicep.commandline.linux-x64/$version/tools/bicep"
[ -f "$bicep" ] || { echo "bicep: $bicep not found" >&2; exit 1; }
[ -x "$bicep" ] || chmod +x "$bicep"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 BICEP_TRACING_ENABLED=false

out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
problems=0
fail() { echo "bicep: $*"; problems=$((problems + 1)); }

# Lint: every .bicep and .bicepparam file, in one run per format; any Warning/Error line or SARIF result fails.
cd "$templates"
mapfile -t sources < <(find . -name '*.bicep' -o -name '*.bicepparam' | sort)
"$bicep" lint --pattern '**/*.bicep*' >"$out/lint.txt" 2>&1 || fail "lint failed"
if grep -E ': (Warning|Error) ' "$out/lint.txt"; then fail "lint reported problems"; fi
"$bicep" lint --pattern '**/*.bicep*' --diagnostics-format sarif >"$out/lint.sarif" 2>/dev/null
# One SARIF log per file, written one after another.
summary=$(node -e '
  const text = require("fs").readFileSync(process.argv[1], "utf8");
  const logs = text.split(/(?<=\})\s*(?=\{\s*"\$schema")/).filter(t => t.trim()).map(t => JSON.parse(t));
  const results = logs.flatMap(l => l.runs.flatMap(r => r.results || []));
  for (const r of results) console.error(`${r.level}: ${r.ruleId}: ${r.message && r.message.text}`);
  console.log(`${logs.length} ${results.length}`);' "$out/lint.sarif" 2>&1 | tail -1) || summary="unreadable"
read -r logs results <<<"$summary"
[ "${logs:-}" = "${#sources[@]}" ] || fail "lint wrote ${logs:-no} SARIF logs for ${#sources[@]} files"
[ "${results:-}" = "0" ] || fail "lint found ${results:-unreadable} SARIF results"

# Build: the top-level templates and the parameter files; compare with (or, with --update, rewrite) the committed JSON.
compare() { # $1 fresh build, $2 committed file
  local rel="${2#"$templates"/}"
  if [ "$update" -eq 1 ]; then cp "$1" "$2"; return; fi
  [ -f "$2" ] || { fail "$rel is missing: run eng/bicep.sh --update"; return; }
  diff -q "$1" "$2" >/dev/null 2>&1 || fail "$rel differs from a fresh build of its Bicep source: run eng/bicep.sh --update"
}
mkdir -p "$out/templates" "$out/parameters"
if ! "$bicep" build --pattern '*.bicep' --outdir "$out/templates" >"$out/build.txt" 2>&1 || grep -E ': (Warning|Error) ' "$out/build.txt"; then
  fail "build failed"
fi
if ! "$bicep" build-params --pattern 'parameters/*.bicepparam' --outdir "$out/parameters" >"$out/build.txt" 2>&1 || grep -E ': (Warning|Error) ' "$out/build.txt"; then
  fail "build-params failed"
fi
for file in "$templates"/*.bicep; do
  name="$(basename "$file" .bicep)"
  compare "$out/templates/$name.json" "$templates/$name.json"
done
for file in "$templates"/parameters/*.bicepparam; do
  name="$(basename "$file" .bicepparam)"
  compare "$out/parameters/$name.json" "$templates/parameters/$name.parameters.json"
done
# No compiled file without its source.
for json in "$templates"/*.json "$templates"/parameters/*.parameters.json; do
  case "$(basename "$json")" in bicepconfig.json) continue ;; esac
  base="${json%.parameters.json}"; base="${base%.json}"
  [ -f "$base.bicep" ] || [ -f "$base.bicepparam" ] || fail "${json#"$templates"/} has no Bicep source"
done

if [ "$problems" -ne 0 ]; then echo "bicep: $problems problem(s)"; exit 1; fi
echo "bicep: templates and parameter files build and lint clean (Bicep CLI $version)"
