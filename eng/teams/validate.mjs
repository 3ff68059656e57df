// Validates built Teams app packages offline: the manifest against the pinned Teams schema (bundled in
// @microsoft/app-manifest; no download), the icons' sizes and the outline icon's colours (the schema checks neither),
// and what the bot needs (its id, its domain, the hub's scopes and agent commands).
// Usage: node eng/teams/validate.mjs --bot-id <id> --domain <host> <package.zip>...   (exit 1 on any problem)
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { decodePng, readZip } from "./lib.mjs";

export const SCHEMA_VERSION = "1.25";
const require = createRequire(import.meta.url);
const { AppManifestUtils } = require("@microsoft/app-manifest");
const schemaFile = join(dirname(require.resolve("@microsoft/app-manifest")), "json-schemas", "teams", `v${SCHEMA_VERSION}`, "MicrosoftTeams.schema.json");
const schema = JSON.parse(readFileSync(schemaFile, "utf8"));
const HUB_COMMANDS = ["accept", "decline", "queue", "available", "away"];

/** Problems of one package (empty when it is fine). */
export async function validatePackage(bytes, { botId, domain }) {
  const problems = [];
  let entries;
  try {
    entries = readZip(bytes);
  } catch (error) {
    return [`not a readable zip: ${error.message}`];
  }
  const manifestBytes = entries.get("manifest.json");
  if (!manifestBytes) return ["manifest.json is missing at the root of the package"];
  let manifest;
  try {
    manifest = JSON.parse(manifestBytes.toString("utf8"));
  } catch (error) {
    return [`manifest.json is not JSON: ${error.message}`];
  }
  if (manifest.manifestVersion !== SCHEMA_VERSION || !String(manifest.$schema).includes(`/v${SCHEMA_VERSION}/`)) {
    problems.push(`manifest must pin schema v${SCHEMA_VERSION} (manifestVersion ${manifest.manifestVersion}, $schema ${manifest.$schema})`);
  }
  for (const error of (await AppManifestUtils.validateAgainstSchema(manifest, schema)) ?? []) problems.push(`schema: ${error}`);

  const icons = { color: [192, 192], outline: [32, 32] };
  for (const [kind, [width, height]] of Object.entries(icons)) {
    const name = manifest.icons?.[kind];
    const file = name && entries.get(name);
    if (!file) {
      problems.push(`${kind} icon ${name ?? "(none)"} is not in the package`);
      continue;
    }
    let png;
    try {
      png = decodePng(file);
    } catch (error) {
      problems.push(`${kind} icon: ${error.message}`);
      continue;
    }
    if (png.width !== width || png.height !== height) problems.push(`${kind} icon is ${png.width}x${png.height}, must be ${width}x${height}`);
    if (kind === "outline") {
      if (!png.pixels) {
        problems.push("outline icon must be 8-bit RGBA (white on transparent)");
      } else {
        let opaque = 0;
        for (let i = 0; i < png.pixels.length; i += 4) {
          const [r, g, b, a] = png.pixels.subarray(i, i + 4);
          if (a > 0 && (r !== 255 || g !== 255 || b !== 255)) {
            problems.push("outline icon must be white on a transparent background");
            break;
          }
          if (a > 0) opaque++;
        }
        if (opaque === 0 || opaque === png.width * png.height) problems.push("outline icon must have both a white shape and transparency");
      }
    }
  }

  const bots = manifest.bots ?? [];
  if (bots.length !== 1 || bots[0].botId !== botId.toLowerCase()) problems.push(`bots[0].botId must be ${botId}`);
  if (!(manifest.validDomains ?? []).includes(domain.toLowerCase())) problems.push(`validDomains must include ${domain}`);
  return problems;
}

/** What each package must offer: the hub in a team channel with the agent commands, the customer app personal only. */
export function packageRoleProblems(name, bytes) {
  const manifest = JSON.parse(readZip(bytes).get("manifest.json").toString("utf8"));
  const bot = manifest.bots?.[0] ?? {};
  const problems = [];
  if (name === "hub") {
    for (const scope of ["team", "personal", "groupChat"]) if (!bot.scopes?.includes(scope)) problems.push(`hub bot lacks the ${scope} scope`);
    const team = (bot.commandLists ?? []).find(list => list.scopes?.includes("team"));
    const titles = (team?.commands ?? []).map(c => c.title);
    for (const command of HUB_COMMANDS) if (!titles.includes(command)) problems.push(`hub commandLists lack ${command} in the team scope`);
  } else if (JSON.stringify(bot.scopes) !== JSON.stringify(["personal"])) {
    problems.push("customer bot must have only the personal scope");
  }
  return problems;
}

if (process.argv[1] && basename(process.argv[1]) === "validate.mjs") {
  const argv = process.argv.slice(2);
  const options = {};
  const files = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--bot-id") options.botId = argv[++i];
    else if (argv[i] === "--domain") options.domain = argv[++i];
    else files.push(argv[i]);
  }
  if (!options.botId || !options.domain || files.length === 0) {
    console.error("usage: validate.mjs --bot-id <id> --domain <host> <package.zip>...");
    process.exit(2);
  }
  let failed = 0;
  for (const file of files) {
    const bytes = readFileSync(file);
    const name = basename(file).replace(/^handoffbot-|\.zip$/g, "");
    const problems = [...(await validatePackage(bytes, options)), ...packageRoleProblems(name, bytes)];
    for (const problem of problems) console.log(`teams: ${basename(file)}: ${problem}`);
    if (problems.length > 0) failed++;
    else console.log(`teams: ${basename(file)} is valid against Teams schema v${SCHEMA_VERSION}`);
  }
  process.exit(failed > 0 ? 1 : 0);
}
