// The offline check eng/test.sh runs: builds both packages for a made-up bot (random id, test domain) into a temporary
// folder, validates them (schema v1.25, icons, roles), and shows that the validator rejects broken packages.
import { randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build, colorIcon, manifestFor, outlineIcon, PACKAGES } from "./build.mjs";
import { encodePng, writeZip } from "./lib.mjs";
import { packageRoleProblems, validatePackage } from "./validate.mjs";

const target = { botId: randomUUID(), domain: "handoffbot-check.azurewebsites.net", version: "1.0.0" };
const out = mkdtempSync(join(tmpdir(), "teams-"));
let failures = 0;
const fail = message => {
  console.log(`teams: ${message}`);
  failures++;
};

try {
  const files = build({ ...target, out });
  for (const [i, file] of files.entries()) {
    const bytes = readFileSync(file);
    const problems = [...(await validatePackage(bytes, target)), ...packageRoleProblems(PACKAGES[i], bytes)];
    problems.forEach(p => fail(`${PACKAGES[i]}: ${p}`));
  }

  // The validator must catch what Teams would refuse.
  const hub = manifestFor("hub", target);
  const broken = {
    "an unknown manifest property": [{ ...hub, colour: "green" }, colorIcon(), outlineIcon()],
    "a bot id that is not a GUID": [{ ...hub, bots: [{ ...hub.bots[0], botId: "my-bot" }] }, colorIcon(), outlineIcon()],
    "a 96x96 colour icon": [hub, encodePng(96, 96, () => [31, 111, 92, 255]), outlineIcon()],
    "an outline icon in colour": [hub, colorIcon(), encodePng(32, 32, (x) => (x < 16 ? [31, 111, 92, 255] : [0, 0, 0, 0]))],
    "another bot's id": [{ ...hub, bots: [{ ...hub.bots[0], botId: randomUUID() }] }, colorIcon(), outlineIcon()],
  };
  for (const [what, [manifest, color, outline]] of Object.entries(broken)) {
    const zip = writeZip([["manifest.json", Buffer.from(JSON.stringify(manifest))], ["color.png", color], ["outline.png", outline]]);
    if ((await validatePackage(zip, target)).length === 0) fail(`the validator accepted a package with ${what}`);
  }
  const customerAsHub = writeZip([["manifest.json", Buffer.from(JSON.stringify(manifestFor("customer", target)))], ["color.png", colorIcon()], ["outline.png", outlineIcon()]]);
  if (packageRoleProblems("hub", customerAsHub).length === 0) fail("the role check accepted a hub without the team scope and agent commands");
} catch (error) {
  fail(`check failed: ${error.stack ?? error}`);
} finally {
  rmSync(out, { recursive: true, force: true });
}

if (failures > 0) process.exit(1);
console.log(`teams: ${PACKAGES.join(" and ")} packages build and validate against the Teams schema v1.25; broken packages are refused`);
