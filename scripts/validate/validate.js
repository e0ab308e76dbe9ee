#!/usr/bin/env node
// Validates whoowns' rendered Slack and Teams payloads (the golden files)
// against the platforms' own definitions:
//
//   Slack: every view, App Home and message is assigned to its type from
//   @slack/types (ModalView, HomeView, KnownBlock[]) in a generated
//   TypeScript file and type-checked with tsc in strict mode; excess
//   property checks catch unknown fields, literal types catch wrong block
//   or element types; tsc names the first mismatch of each payload. Limits
//   the types cannot express (text lengths, block
//   and element counts, unique block ids) are checked here too.
//
//   Teams: every Adaptive Card is parsed by Microsoft's adaptivecards
//   library; parse events, validateProperties() failures, unknown element
//   types and properties the library does not know fail the card, and so do
//   a card or element version above what Teams renders (1.5) and an
//   Action.Submit whose data is not an object.
//
// Usage: node validate.js [--root DIR] [--slack FILE]... [--teams FILE]...
// Without --slack/--teams it checks DIR/internal/slack/testdata/*.golden.json
// and DIR/internal/teams/testdata/*.golden.json (DIR defaults to the
// repository root). Prints one line per problem; exits 1 if there is any.
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');

const slackLimits = require('./slacklimits');
const teams = require('./teams');

function parseArgs(argv) {
  const o = { root: path.resolve(__dirname, '..', '..'), slack: [], teams: [], quiet: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--root') o.root = path.resolve(argv[++i]);
    else if (a === '--slack') o.slack.push(path.resolve(argv[++i]));
    else if (a === '--teams') o.teams.push(path.resolve(argv[++i]));
    else if (a === '--quiet') o.quiet = true;
    else {
      console.error(`unknown argument ${a}\nusage: node validate.js [--root DIR] [--slack FILE]... [--teams FILE]... [--quiet]`);
      process.exit(2);
    }
  }
  if (o.slack.length === 0 && o.teams.length === 0) {
    o.slack = goldens(path.join(o.root, 'internal', 'slack', 'testdata'));
    o.teams = goldens(path.join(o.root, 'internal', 'teams', 'testdata'));
  }
  return o;
}

function goldens(dir) {
  return fs.readdirSync(dir).filter((f) => f.endsWith('.golden.json')).sort().map((f) => path.join(dir, f));
}

// slackItems lists the Slack payloads in one golden file, each with the
// @slack/types type it must satisfy.
//   - a view object ("type": "modal" or "home")
//   - an array of blocks: an App Home's blocks when the file is home_*,
//     else a message's blocks
//   - an array of rendered replies {kind, text, blocks?}: a message, or an
//     App Home when kind is "home"
//   - a view_submission response: "update"/"push" with a modal, or
//     "errors" by block id
//   - a block_suggestion response: options or option_groups
//   - an object with blocks: a message
function slackItems(file, json) {
  const base = path.basename(file, '.golden.json');
  const isBlock = (b) => b && typeof b === 'object' && typeof b.type === 'string' && !('kind' in b);
  if (json && !Array.isArray(json) && (json.type === 'modal' || json.type === 'home')) {
    return [{ label: base, type: json.type === 'modal' ? 'ModalView' : 'HomeView', value: json, view: true }];
  }
  if (Array.isArray(json) && json.every(isBlock)) {
    if (base.startsWith('home')) return [{ label: base, type: 'HomeView', value: { type: 'home', blocks: json }, view: true }];
    return [{ label: base, type: 'Message', value: { text: 'fallback', blocks: json } }];
  }
  if (Array.isArray(json)) {
    return json.map((r, i) => {
      const label = `${base}[${i}]${r && r.kind ? ' (' + r.kind + ')' : ''}`;
      const { kind, ...rest } = r || {};
      if (kind === 'home') return { label, type: 'HomeView', value: { type: 'home', blocks: rest.blocks || [] }, view: true };
      return { label, type: 'Message', value: rest };
    });
  }
  if (json && typeof json === 'object' && (json.response_action === 'update' || json.response_action === 'push') && json.view) {
    return [{ label: base, type: 'ModalView', value: json.view, view: true }];
  }
  if (json && typeof json === 'object' && json.response_action === 'errors') return [{ label: base, type: 'SubmissionErrors', value: json }];
  if (json && typeof json === 'object' && !json.type && (Array.isArray(json.options) || Array.isArray(json.option_groups))) {
    return [{ label: base, type: 'SuggestionOptions', value: json }];
  }
  if (json && typeof json === 'object' && Array.isArray(json.blocks)) return [{ label: base, type: 'Message', value: json }];
  return [{ label: base, error: 'not a Slack view, message or block list' }];
}

// The types a payload is checked against. @slack/types lets a view's blocks
// be any {type: string}; whoowns sends only Block Kit's known blocks, so its
// views are held to KnownBlock[] like messages. Message is a
// chat.postMessage / chat.update / response_url body as whoowns sends it.
const prelude = `import type { HomeView as SlackHomeView, ModalView as SlackModalView, KnownBlock, PlainTextOption, PlainTextElement } from '@slack/types';
interface SubmissionErrors { response_action: 'errors'; errors: { [blockID: string]: string } }
type SuggestionOptions = { options: PlainTextOption[] } | { option_groups: { label: PlainTextElement; options: PlainTextOption[] }[] };
type HomeView = Omit<SlackHomeView, 'blocks'> & { blocks: KnownBlock[] };
type ModalView = Omit<SlackModalView, 'blocks'> & { blocks: KnownBlock[] };
interface Message {
  channel?: string;
  thread_ts?: string;
  text: string;
  blocks?: KnownBlock[];
  replace_original?: boolean;
  response_type?: 'in_channel' | 'ephemeral';
}
`;

// typeCheck writes one TypeScript file per Slack item and type-checks them
// all in one program. Returns problems as {label, message}.
function typeCheck(items) {
  const ts = require('typescript');
  const dir = fs.mkdtempSync(path.join(__dirname, '.gen-'));
  try {
    const files = [];
    const byFile = new Map();
    items.forEach((it, i) => {
      const f = path.join(dir, `f${i}.ts`);
      // The JSON starts on line 2 of its file, so a diagnostic's line minus
      // one is its line in the pretty-printed item.
      fs.writeFileSync(f, `${prelude.replace(/\n/g, ' ')}export const v: ${it.type} =\n${JSON.stringify(it.value, null, 2)};\n`);
      files.push(f);
      byFile.set(f, it);
    });
    const program = ts.createProgram(files, {
      strict: true,
      noEmit: true,
      target: ts.ScriptTarget.ES2020,
      module: ts.ModuleKind.CommonJS,
      moduleResolution: ts.ModuleResolutionKind.Node10,
      skipLibCheck: true,
      types: [],
    });
    const problems = [];
    for (const d of ts.getPreEmitDiagnostics(program)) {
      const it = d.file && byFile.get(path.resolve(d.file.fileName));
      const msg = ts.flattenDiagnosticMessageText(d.messageText, '\n    ');
      if (!it) {
        problems.push({ label: d.file ? d.file.fileName : 'tsc', message: msg });
        continue;
      }
      const { line } = d.file.getLineAndCharacterOfPosition(d.start);
      const text = d.file.text.split('\n')[line].trim();
      problems.push({ label: it.label, message: `line ${line} of the item (${text}): ${msg}` });
    }
    return problems;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function readJSON(file, problems) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    problems.push({ label: path.basename(file), message: e.message });
    return undefined;
  }
}

function main() {
  const o = parseArgs(process.argv.slice(2));
  const problems = [];

  const items = [];
  for (const f of o.slack) {
    const json = readJSON(f, problems);
    if (json === undefined) continue;
    for (const it of slackItems(f, json)) {
      if (it.error) problems.push({ label: it.label, message: it.error });
      else items.push(it);
    }
  }
  if (items.length > 0) problems.push(...typeCheck(items));
  for (const it of items) {
    for (const m of slackLimits.check(it.value, it.type)) problems.push({ label: it.label, message: m });
  }

  let cards = 0;
  for (const f of o.teams) {
    const json = readJSON(f, problems);
    if (json === undefined) continue;
    const found = teams.cards(json, path.basename(f, '.golden.json'));
    if (found.length === 0) problems.push({ label: path.basename(f), message: 'no Adaptive Card in the file' });
    for (const c of found) {
      cards++;
      for (const m of teams.check(c.card)) problems.push({ label: c.label, message: m });
    }
  }

  for (const p of problems) console.log(`FAIL ${p.label}: ${p.message}`);
  if (!o.quiet || problems.length > 0) {
    console.log(`${problems.length === 0 ? 'ok' : 'FAILED'}: ${items.length} Slack payloads in ${o.slack.length} files (@slack/types ${version('@slack/types')}, typescript ${version('typescript')}), ${cards} Adaptive Cards in ${o.teams.length} files (adaptivecards ${version('adaptivecards')}); ${problems.length} problems`);
  }
  process.exit(problems.length === 0 ? 0 : 1);
}

function version(pkg) {
  return require(path.join(__dirname, 'node_modules', pkg, 'package.json')).version;
}

main();
