#!/usr/bin/env node
// Trains NLP.js on exactly the phrases of `whoowns intents --json` and scores
// it on labelled sets the way `whoowns eval` scores whoowns: intent accuracy,
// role accuracy, out-of-scope precision and recall, per style. Prints one
// table with both matchers per set.
//
//   node compare.js [--whoowns PATH] FILE.jsonl...
//
// PATH defaults to $WHOOWNS or ../../bin/whoowns (make build). Nothing here
// is part of the Go build or tests.
'use strict';

const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');
const { containerBootstrap } = require('@nlpjs/core');
const { Nlp } = require('@nlpjs/nlp');
const { LangEn } = require('@nlpjs/lang-en-min');

function args() {
  const a = process.argv.slice(2);
  let bin = process.env.WHOOWNS || path.join(__dirname, '..', '..', 'bin', 'whoowns');
  const files = [];
  for (let i = 0; i < a.length; i++) {
    if (a[i] === '--whoowns') bin = a[++i];
    else files.push(a[i]);
  }
  if (files.length === 0) {
    console.error('usage: node compare.js [--whoowns PATH] FILE.jsonl...');
    process.exit(2);
  }
  return { bin, files };
}

function readLabelled(file) {
  return fs.readFileSync(file, 'utf8').split('\n').map((l) => l.trim()).filter(Boolean).map((l) => JSON.parse(l));
}

// The role a role_lookup question asks for, by the rule whoowns uses: the
// first of PO or PM it names, the product manager when it names neither.
function askedRole(text) {
  const t = ' ' + text.toLowerCase().replace(/[^a-z0-9]+/g, ' ') + ' ';
  const po = [' po ', ' pos ', ' product owner', ' product owners'].map((w) => t.indexOf(w)).filter((i) => i >= 0);
  const pm = [' pm ', ' pms ', ' product manager', ' product managers'].map((w) => t.indexOf(w)).filter((i) => i >= 0);
  const first = (xs) => (xs.length ? Math.min(...xs) : Infinity);
  return first(po) < first(pm) ? 'product_owner' : 'product_manager';
}

// score tallies answers the way internal/intent/evaluate.go does.
function score(lines, answers) {
  const t = { n: 0, ok: 0, roleN: 0, roleOK: 0, noneWant: 0, noneGot: 0, noneOK: 0 };
  const styles = {};
  lines.forEach((l, i) => {
    const a = answers[i];
    const s = (styles[l.style || '-'] = styles[l.style || '-'] || { n: 0, ok: 0 });
    for (const x of [t, s]) {
      x.n++;
      if (a.intent === l.intent) x.ok++;
    }
    if (l.role) {
      t.roleN++;
      if (a.role === l.role) t.roleOK++;
    }
    if (l.intent === 'none') t.noneWant++;
    if (a.intent === 'none') t.noneGot++;
    if (l.intent === 'none' && a.intent === 'none') t.noneOK++;
  });
  t.styles = styles;
  return t;
}

const pct = (a, b) => (b === 0 ? '-' : ((100 * a) / b).toFixed(1) + '%');

async function main() {
  const { bin, files } = args();
  const catalogue = JSON.parse(execFileSync(bin, ['intents', '--json'], { maxBuffer: 64 << 20 }).toString());
  const roleOf = {};
  const container = await containerBootstrap();
  container.use(Nlp);
  container.use(LangEn);
  // the defaults of NLP.js (threshold 0.5, neural classifier), only quiet
  const nlp = new Nlp({ container, languages: ['en'], autoSave: false, autoLoad: false, nlu: { log: false } });
  let phrases = 0;
  for (const it of catalogue) {
    roleOf[it.id] = it.role;
    for (const p of it.phrases) {
      nlp.addDocument('en', p, it.id);
      phrases++;
    }
  }
  const t0 = Date.now();
  await nlp.train();
  console.log(`NLP.js ${require('@nlpjs/nlp/package.json').version} trained on ${phrases} phrases of ${catalogue.length} intents in ${Date.now() - t0} ms`);
  console.log('');
  console.log('| set | questions | whoowns intent | NLP.js intent | lead (points) | whoowns role | NLP.js role | whoowns oos P / R | NLP.js oos P / R |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  const styleRows = [];
  for (const file of files) {
    const lines = readLabelled(file);
    const answers = [];
    for (const l of lines) {
      const r = await nlp.process('en', l.text);
      // below NLP.js's own threshold it answers "None": that is out of scope
      let intent = !r.intent || r.intent === 'None' ? 'none' : r.intent;
      let role = roleOf[intent] || 'none';
      if (role === 'lookup') role = askedRole(l.text);
      answers.push({ intent, role });
    }
    const n = score(lines, answers);
    const w = JSON.parse(execFileSync(bin, ['eval', '--json', file], { maxBuffer: 64 << 20 }).toString());
    const name = path.basename(file);
    const lead = (100 * w.intent_ok) / w.n - (100 * n.ok) / n.n;
    console.log(
      `| ${name} | ${n.n} | ${pct(w.intent_ok, w.n)} | ${pct(n.ok, n.n)} | ${lead.toFixed(1)} | ${pct(w.role_ok, w.role_n)} | ${pct(n.roleOK, n.roleN)} | ` +
        `${pct(w.none_ok, w.none_got)} / ${pct(w.none_ok, w.none_want)} | ${pct(n.noneOK, n.noneGot)} / ${pct(n.noneOK, n.noneWant)} |`
    );
    for (const s of w.styles || []) {
      if (!s.style) continue;
      const ns = n.styles[s.style] || { n: 0, ok: 0 };
      styleRows.push(`| ${name} | ${s.style} | ${s.n} | ${pct(s.intent_ok, s.n)} | ${pct(ns.ok, ns.n)} |`);
    }
  }
  if (styleRows.length) {
    console.log('');
    console.log('| set | style | questions | whoowns intent | NLP.js intent |');
    console.log('|---|---|---|---|---|');
    for (const r of styleRows) console.log(r);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
