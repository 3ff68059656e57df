// Builds the Teams app packages (zip: manifest.json + 192x192 colour icon + 32x32 white-on-transparent outline icon):
//   hub       the agent hub (team, personal, groupChat; agent commands)
//   customer  the customer app (personal)
// Usage: node eng/teams/build.mjs --bot-id <app id of the bot> --domain <host of the bot> [--version 1.0.0] [--out <folder>]
// The bot id and domain come only from the arguments; the Teams app ids derive from the bot id (stable across builds).
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { encodePng, writeZip } from "./lib.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const HOST = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;

export const PACKAGES = ["hub", "customer"];

function parseArgs(argv) {
  const args = { version: "1.0.0", out: resolve(here, "../../artifacts/teams") };
  for (let i = 0; i < argv.length; i += 2) {
    const [key, value] = [argv[i], argv[i + 1]];
    if (value === undefined) throw new Error(`${key} needs a value`);
    if (key === "--bot-id") args.botId = value;
    else if (key === "--domain") args.domain = value;
    else if (key === "--version") args.version = value;
    else if (key === "--out") args.out = resolve(value);
    else throw new Error(`unknown argument ${key}`);
  }
  if (!GUID.test(args.botId ?? "")) throw new Error("--bot-id must be the bot's app id (a GUID), e.g. the appId output of the deployment");
  if (!HOST.test(args.domain ?? "")) throw new Error("--domain must be the bot's host name, e.g. hbxyz-app.azurewebsites.net");
  if (!/^\d+\.\d+\.\d+$/.test(args.version)) throw new Error("--version must be major.minor.patch");
  return args;
}

/** A stable GUID (name-based, SHA-1, as RFC 9562 version 5) for the Teams app of one package. */
export function appIdFor(botId, name) {
  const hash = createHash("sha1").update(`handoffbot-teams:${botId.toLowerCase()}:${name}`).digest();
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

// Two speech bubbles (the assistant and a person), white on the accent colour; the outline is the same shape in white.
function inBubbles(x, y, size) {
  const u = x / size, v = y / size;
  const a = (u - 0.40) ** 2 / 0.075 + (v - 0.40) ** 2 / 0.05 <= 1;
  const aTail = u > 0.22 && u < 0.34 && v > 0.52 && v < 0.70 && u - 0.22 > (v - 0.52) * 0.6;
  const b = (u - 0.62) ** 2 / 0.06 + (v - 0.62) ** 2 / 0.04 <= 1;
  const bTail = u > 0.68 && u < 0.80 && v > 0.74 && v < 0.88 && 0.80 - u > (v - 0.74) * 0.8;
  return a || aTail || b || bTail;
}

export function colorIcon() {
  return encodePng(192, 192, (x, y) => (inBubbles(x + 0.5, y + 0.5, 192) ? [255, 255, 255, 255] : [0x1f, 0x6f, 0x5c, 255]));
}

export function outlineIcon() {
  return encodePng(32, 32, (x, y) => (inBubbles(x + 0.5, y + 0.5, 32) ? [255, 255, 255, 255] : [0, 0, 0, 0]));
}

export function manifestFor(name, { botId, domain, version }) {
  const template = readFileSync(join(here, `${name}.manifest.json`), "utf8");
  const text = template
    .replaceAll("{{BOT_ID}}", botId.toLowerCase())
    .replaceAll("{{DOMAIN}}", domain.toLowerCase())
    .replaceAll("{{APP_ID}}", appIdFor(botId, name))
    .replaceAll("{{VERSION}}", version);
  const left = text.match(/\{\{[A-Z_]+\}\}/);
  if (left) throw new Error(`${name}.manifest.json: ${left[0]} has no value`);
  return JSON.parse(text);
}

export function build(args) {
  mkdirSync(args.out, { recursive: true });
  const files = [];
  for (const name of PACKAGES) {
    const manifest = Buffer.from(JSON.stringify(manifestFor(name, args), null, 2) + "\n", "utf8");
    const zip = writeZip([["manifest.json", manifest], ["color.png", colorIcon()], ["outline.png", outlineIcon()]]);
    const file = join(args.out, `handoffbot-${name}.zip`);
    writeFileSync(file, zip);
    files.push(file);
  }
  return files;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    for (const file of build(parseArgs(process.argv.slice(2)))) console.log(file);
  } catch (error) {
    console.error(`teams: ${error.message}`);
    process.exit(2);
  }
}
