'use strict';
// Adaptive Cards as Teams renders them, checked with Microsoft's
// adaptivecards library (its UMD bundle: the package's ES module build does
// not load in Node). Parsing and validateProperties() need no DOM.

const AC = require('adaptivecards/dist/adaptivecards.js');

// The newest Adaptive Cards version Teams renders (desktop and web; mobile
// clients lag behind).
const maxTeamsVersion = AC.Version.parse('1.5', new AC.SerializationContext());

// Teams' people picker: an Input.ChoiceSet whose choices come from
// "choices.data" {type: Data.Query, dataset: graph.microsoft.com/users...}.
// Teams documents it for cards of any version and with an empty "choices"
// (learn.microsoft.com/microsoftteams/platform/task-modules-and-cards/cards/people-picker);
// the library files the property under 1.6 and wants at least one choice.
function isPeoplePicker(json) {
  const q = json && json['choices.data'];
  return json && json.type === 'Input.ChoiceSet' && q && q.type === 'Data.Query' && /^graph\.microsoft\.com\/users/.test(q.dataset || '');
}

// peoplePickers lists the ids of the card's people pickers.
function peoplePickers(v, ids = []) {
  if (Array.isArray(v)) v.forEach((x) => peoplePickers(x, ids));
  else if (v && typeof v === 'object') {
    if (isPeoplePicker(v) && typeof v.id === 'string') ids.push(v.id);
    for (const x of Object.values(v)) peoplePickers(x, ids);
  }
  return ids;
}

// Properties the library parses by hand rather than through an object's
// schema, per type; every element may carry a fallback.
const childKeys = {
  AdaptiveCard: ['body', 'actions', 'msteams'],
  Container: ['items'],
  Column: ['items', 'width'],
  ColumnSet: ['columns'],
  ActionSet: ['actions'],
  'Action.ShowCard': ['card'],
  FactSet: [],
  ImageSet: ['images'],
  RichTextBlock: ['inlines'],
  'Input.ChoiceSet': [],
  Table: ['columns', 'rows'],
  TableRow: ['cells'],
  TableCell: ['items'],
};

// Teams' "msteams" property of a card: width and mention entities.
const msteamsKeys = new Set(['width', 'entities']);

function schemaOf(obj) {
  const s = obj.getSchema();
  const props = new Map();
  for (let i = 0; i < s.getCount(); i++) props.set(s.getItemAt(i).name, s.getItemAt(i));
  return props;
}

// cards finds the Adaptive Cards in a golden file: the file may be a card,
// an activity with attachments, or a list of either (possibly wrapped in
// {kind, activity}).
function cards(json, base) {
  const out = [];
  const walk = (v, label) => {
    if (Array.isArray(v)) {
      v.forEach((x, i) => walk(x, `${label}[${i}]${x && x.kind ? ' (' + x.kind + ')' : ''}`));
      return;
    }
    if (!v || typeof v !== 'object') return;
    if (v.type === 'AdaptiveCard') {
      out.push({ label, card: v });
      return;
    }
    if (Array.isArray(v.attachments)) {
      v.attachments.forEach((a, i) => {
        if (a.contentType === 'application/vnd.microsoft.card.adaptive') walk(a.content, v.attachments.length > 1 ? `${label} attachment ${i}` : label);
      });
      return;
    }
    // Anything else that holds cards: {kind, activity}, an invoke
    // response's value, a task module's card.
    for (const [k, x] of Object.entries(v)) if (x && typeof x === 'object') walk(x, `${label}.${k}`);
  };
  walk(json, base);
  return out;
}

// Teams refuses a bot message over about 100 KB counted in UTF-16 (413
// MessageSizeTooBig) and recommends staying within 80 KB
// (learn.microsoft.com/microsoftteams/platform/bots/how-to/format-your-bot-messages).
const maxCardUTF16Bytes = 80 * 1024;

// check returns the problems of one card's JSON.
function check(json) {
  const out = [];
  const size = 2 * JSON.stringify(json).length; // UTF-16 code units, 2 bytes each
  if (size > maxCardUTF16Bytes) out.push(`${size} bytes in UTF-16; Teams recommends a message within ${maxCardUTF16Bytes}`);
  const ctx = new AC.SerializationContext();
  let version;
  if (typeof json.version !== 'string') {
    out.push('no version; Teams does not render a card without one');
  } else {
    version = AC.Version.parse(json.version, ctx);
    if (!version || !version.isValid) out.push(`version ${JSON.stringify(json.version)} is not a version`);
    else if (version.compareTo(maxTeamsVersion) > 0) out.push(`version ${json.version} is above ${maxTeamsVersion}, the newest Teams renders`);
    else ctx.targetVersion = version;
  }

  const card = new AC.AdaptiveCard();
  card.parse(json, ctx);
  const pickers = new Set(peoplePickers(json));
  const picker = (e) => e.source instanceof AC.ChoiceSetInput && pickers.has(e.source.id);
  for (let i = 0; i < ctx.eventCount; i++) {
    const e = ctx.getEventAt(i);
    if (e.event === AC.ValidationEvent.UnsupportedProperty && picker(e) && /"choices\.data"/.test(e.message)) continue;
    out.push(`parse: ${e.message} (${AC.ValidationEvent[e.event]})`);
  }
  const results = card.validateProperties();
  for (const e of results.validationEvents) {
    if (e.event === AC.ValidationEvent.CollectionCantBeEmpty && picker(e)) continue;
    const src = e.source && e.source.getJsonTypeName ? e.source.getJsonTypeName() : '';
    const id = e.source && e.source.id ? ` ${JSON.stringify(e.source.id)}` : '';
    out.push(`validateProperties: ${src}${id}: ${e.message} (${AC.ValidationEvent[e.event]})`);
  }

  walk(json, 'card', 'AdaptiveCard', version, out);
  mentions(json, out);
  return out;
}

// mentions: in a card's text (TextBlocks, text runs, facts) Teams shows
// <at>Name</at> as a mention only with an entity of that text in
// msteams.entities, and an entity needs its text in the card. (Button
// titles and input values are plain text: no mentions there.)
function mentions(json, out) {
  const texts = [];
  const collect = (v, inFacts) => {
    if (Array.isArray(v)) v.forEach((x) => collect(x, inFacts));
    else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (k === 'msteams' || k === 'data') continue;
        if (typeof x === 'string' && (k === 'text' || (inFacts && (k === 'title' || k === 'value')))) texts.push(x);
        else collect(x, k === 'facts');
      }
    }
  };
  collect(json, false);
  const all = texts.join('\n');
  const entities = ((json.msteams || {}).entities || []).filter((e) => e && e.type === 'mention');
  const known = new Set(entities.map((e) => e.text));
  for (const tag of new Set(all.match(/<at>.*?<\/at>/g) || [])) {
    if (!known.has(tag)) out.push(`${tag} has no mention entity in msteams.entities`);
  }
  for (const e of entities) {
    if (!all.includes(e.text)) out.push(`mention entity ${JSON.stringify(e.text)} is not in the card's text`);
    if (!e.mentioned || !e.mentioned.id) out.push(`mention entity ${JSON.stringify(e.text)} names no one (mentioned.id)`);
  }
}

// walk checks every object of the card's JSON: its type is known to the
// library and no newer than the card, it has no property the library does
// not know, none newer than the card, and Action.Submit's data is an object.
function walk(json, at, kind, version, out) {
  if (!json || typeof json !== 'object') return;
  let type = kind === 'AdaptiveCard' ? 'AdaptiveCard' : json.type;
  let obj;
  if (kind === 'AdaptiveCard') obj = new AC.AdaptiveCard();
  else if (kind === 'element' || kind === 'action') {
    const reg = kind === 'element' ? AC.GlobalRegistry.elements : AC.GlobalRegistry.actions;
    const info = typeof type === 'string' ? reg.findByName(type) : undefined;
    if (!info) {
      out.push(`${at}: unknown ${kind} type ${JSON.stringify(type)}`);
      return;
    }
    if (version && info.schemaVersion.compareTo(version) > 0) out.push(`${at}: ${type} needs Adaptive Cards ${info.schemaVersion}, the card declares ${version}`);
    obj = reg.createInstance(type, AC.Versions.latest);
    at = `${at} (${type}${json.id ? ' ' + JSON.stringify(json.id) : ''})`;
  } else if (kind === 'fact') obj = new AC.Fact();
  else if (kind === 'choice') obj = new AC.Choice();
  else if (kind === 'query') obj = new AC.ChoiceSetInputDataQuery();
  else if (kind === 'column') {
    obj = new AC.Column();
    type = 'Column';
  }
  const props = schemaOf(obj);
  const extra = new Set(['fallback', ...(childKeys[type] || [])]);
  for (const [k, v] of Object.entries(json)) {
    const p = props.get(k);
    if (!p && !extra.has(k)) {
      out.push(`${at}: property ${JSON.stringify(k)} is unknown to ${type || kind}`);
      continue;
    }
    if (p && version && p.targetVersion.compareTo(version) > 0 && !(k === 'choices.data' && isPeoplePicker(json)) && kind !== 'query') {
      out.push(`${at}: ${k} needs Adaptive Cards ${p.targetVersion}, the card declares ${version}`);
    }
    if (k === 'msteams' && type === 'AdaptiveCard') {
      for (const mk of Object.keys(v || {})) if (!msteamsKeys.has(mk)) out.push(`${at}: msteams.${mk} is not a Teams card property`);
    }
    if (k === 'fallback' && v !== 'drop' && typeof v === 'object') walk(v, `${at} fallback`, kind, version, out);
  }
  if ((type === 'Action.Submit' || type === 'Action.Execute') && json.data !== undefined && (json.data === null || typeof json.data !== 'object' || Array.isArray(json.data))) {
    out.push(`${at}: data is ${JSON.stringify(json.data)}; Teams sends a submit's data back as the activity's value only when it is an object`);
  }
  const each = (list, k, sub) => (Array.isArray(list) ? list : []).forEach((x, i) => walk(x, `${at}.${k}[${i}]`, sub, version, out));
  each(json.body, 'body', 'element');
  each(json.items, 'items', 'element');
  each(json.actions, 'actions', 'action');
  each(json.facts, 'facts', 'fact');
  each(json.choices, 'choices', 'choice');
  if (type === 'ColumnSet') each(json.columns, 'columns', 'column');
  if (json['choices.data']) walk(json['choices.data'], `${at}.choices.data`, 'query', version, out);
  if (json.card) walk(json.card, `${at}.card`, 'AdaptiveCard', version, out);
  if (json.selectAction) walk(json.selectAction, `${at}.selectAction`, 'action', version, out);
}

module.exports = { cards, check };
