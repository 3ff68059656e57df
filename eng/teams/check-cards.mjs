// Parses Adaptive Cards with the renderer's own parser (npm adaptivecards 3.0.6) for the version Teams supports (1.5),
// offline: no parse events (unknown elements or actions, bad values) and no validation events are allowed.
// Usage: node eng/teams/check-cards.mjs <card.json>...   (exit 1 when any card has an event)
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { basename } from "node:path";

const AC = createRequire(import.meta.url)("adaptivecards/dist/adaptivecards.js");

/** The parse and validation events of one card (empty when the card is clean for Teams). */
export function cardProblems(json) {
  const problems = [];
  if (json?.type !== "AdaptiveCard") problems.push(`type is ${json?.type}, not AdaptiveCard`);
  const version = AC.Version.parse(json?.version, new AC.SerializationContext());
  if (!version || !version.isValid || version.compareTo(AC.Versions.v1_5) > 0) problems.push(`version ${json?.version} is not 1.5 or older`);
  const card = new AC.AdaptiveCard();
  const context = new AC.SerializationContext(AC.Versions.v1_5);
  card.parse(json, context);
  for (let i = 0; i < context.eventCount; i++) problems.push(`parse: ${context.getEventAt(i).message}`);
  for (const event of card.validateProperties().validationEvents) problems.push(`validation: ${event.message}`);
  return problems;
}

if (process.argv[1] && basename(process.argv[1]) === "check-cards.mjs") {
  const files = process.argv.slice(2);
  if (files.length === 0) {
    console.error("usage: check-cards.mjs <card.json>...");
    process.exit(2);
  }
  let failed = 0;
  for (const file of files) {
    const problems = cardProblems(JSON.parse(readFileSync(file, "utf8")));
    problems.forEach(p => console.log(`${basename(file)}: ${p}`));
    if (problems.length > 0) failed++;
    else console.log(`${basename(file)}: ok`);
  }
  process.exit(failed > 0 ? 1 : 0);
}
