'use strict';
// Block Kit limits that @slack/types cannot express, from Slack's reference
// (docs.slack.dev/reference/block-kit): Slack answers invalid_blocks for a
// message and an invalid_arguments error for a view that breaks one.

const chars = (s) => [...s].length;

// check returns the limit problems of one payload: a Message ({text,
// blocks}), a HomeView or a ModalView.
function check(value, type) {
  const out = [];
  if (type === 'SubmissionErrors') {
    for (const [id, msg] of Object.entries(value.errors || {})) {
      if (typeof msg !== 'string' || msg.length === 0) out.push(`error for ${JSON.stringify(id)} is empty`);
    }
    return out;
  }
  if (type === 'SuggestionOptions') {
    options(out, 'options', value.options, 100, 150);
    (value.option_groups || []).forEach((g, k) => {
      maxText(out, `group ${k} label`, g.label, 75);
      options(out, `group ${k}`, g.options, 100, 150);
    });
    if ((value.option_groups || []).length > 100) out.push(`${value.option_groups.length} option groups > 100`);
    return out;
  }
  const blocks = Array.isArray(value.blocks) ? value.blocks : [];
  const maxBlocks = type === 'Message' ? 50 : 100;
  if (blocks.length > maxBlocks) out.push(`${blocks.length} blocks; a ${type === 'Message' ? 'message' : 'view'} allows ${maxBlocks}`);
  if (type === 'Message' && typeof value.text === 'string' && chars(value.text) > 40000) out.push(`text of ${chars(value.text)} characters; chat.postMessage truncates at 40000`);
  if (type === 'ModalView') {
    maxText(out, 'title', value.title, 24);
    maxText(out, 'submit', value.submit, 24);
    maxText(out, 'close', value.close, 24);
    if (blocks.some((b) => b.type === 'input') && !value.submit) out.push('a modal with input blocks needs a submit button');
  }
  if (type !== 'Message') {
    if (typeof value.private_metadata === 'string' && value.private_metadata.length > 3000) out.push(`private_metadata of ${value.private_metadata.length} characters > 3000`);
    if (typeof value.callback_id === 'string' && value.callback_id.length > 255) out.push(`callback_id of ${value.callback_id.length} characters > 255`);
  }
  const blockIDs = new Set();
  blocks.forEach((b, i) => {
    const at = `block ${i} (${b.type})`;
    if (b.block_id !== undefined) {
      if (b.block_id.length > 255) out.push(`${at}: block_id of ${b.block_id.length} characters > 255`);
      if (blockIDs.has(b.block_id)) out.push(`${at}: block_id ${JSON.stringify(b.block_id)} repeats; block ids must be unique in a message or view`);
      blockIDs.add(b.block_id);
    }
    block(out, at, b);
  });
  return out;
}

function maxText(out, at, t, n) {
  if (!t || typeof t.text !== 'string') return;
  if (t.text.length === 0) out.push(`${at}: empty text; Slack wants at least 1 character`);
  if (chars(t.text) > n) out.push(`${at}: text of ${chars(t.text)} characters > ${n}`);
}

function block(out, at, b) {
  switch (b.type) {
    case 'section':
      if (!b.text && !b.fields) out.push(`${at}: a section needs text or fields`);
      maxText(out, `${at} text`, b.text, 3000);
      if (b.fields) {
        if (b.fields.length > 10) out.push(`${at}: ${b.fields.length} fields > 10`);
        b.fields.forEach((f, j) => maxText(out, `${at} field ${j}`, f, 2000));
      }
      if (b.accessory) element(out, `${at} accessory`, b.accessory);
      break;
    case 'header':
      maxText(out, `${at} text`, b.text, 150);
      break;
    case 'context':
      if (!b.elements || b.elements.length === 0 || b.elements.length > 10) out.push(`${at}: ${(b.elements || []).length} elements; a context block takes 1 to 10`);
      (b.elements || []).forEach((e, j) => {
        if (e.type === 'mrkdwn' || e.type === 'plain_text') maxText(out, `${at} element ${j}`, e, 3000);
      });
      break;
    case 'actions': {
      const els = b.elements || [];
      if (els.length === 0 || els.length > 25) out.push(`${at}: ${els.length} elements; an actions block takes 1 to 25`);
      const ids = new Set();
      els.forEach((e, j) => {
        if (e.action_id !== undefined) {
          if (ids.has(e.action_id)) out.push(`${at}: action_id ${JSON.stringify(e.action_id)} repeats in one block`);
          ids.add(e.action_id);
        }
        element(out, `${at} element ${j}`, e);
      });
      break;
    }
    case 'input':
      maxText(out, `${at} label`, b.label, 2000);
      maxText(out, `${at} hint`, b.hint, 2000);
      if (b.element) element(out, `${at} element`, b.element);
      break;
    case 'image':
      if (typeof b.alt_text === 'string' && b.alt_text.length > 2000) out.push(`${at}: alt_text > 2000`);
      maxText(out, `${at} title`, b.title, 2000);
      break;
  }
}

function options(out, at, opts, max, valueMax) {
  if (!Array.isArray(opts)) return;
  if (opts.length > max) out.push(`${at}: ${opts.length} options > ${max}`);
  opts.forEach((o, k) => {
    maxText(out, `${at} option ${k}`, o.text, 75);
    if (typeof o.value === 'string' && o.value.length > valueMax) out.push(`${at} option ${k}: value of ${o.value.length} characters > ${valueMax}`);
    maxText(out, `${at} option ${k} description`, o.description, 75);
  });
}

function element(out, at, e) {
  if (typeof e.action_id === 'string' && e.action_id.length > 255) out.push(`${at}: action_id of ${e.action_id.length} characters > 255`);
  maxText(out, `${at} placeholder`, e.placeholder, 150);
  switch (e.type) {
    case 'button':
      maxText(out, `${at} text`, e.text, 75);
      if (typeof e.value === 'string' && e.value.length > 2000) out.push(`${at}: value of ${e.value.length} characters > 2000`);
      if (typeof e.url === 'string' && e.url.length > 3000) out.push(`${at}: url > 3000`);
      confirm(out, at, e.confirm);
      break;
    case 'overflow':
      if (!e.options || e.options.length < 1 || e.options.length > 5) out.push(`${at}: ${(e.options || []).length} options; an overflow menu takes 1 to 5`);
      options(out, at, e.options, Infinity, 150);
      confirm(out, at, e.confirm);
      break;
    case 'static_select':
    case 'multi_static_select':
    case 'radio_buttons':
    case 'checkboxes':
      if (e.option_groups) {
        if (e.option_groups.length > 100) out.push(`${at}: ${e.option_groups.length} option groups > 100`);
        e.option_groups.forEach((g, k) => {
          maxText(out, `${at} group ${k} label`, g.label, 75);
          options(out, `${at} group ${k}`, g.options, 100, 150);
        });
      } else if (!e.options || e.options.length === 0) {
        out.push(`${at}: a ${e.type} needs options or option_groups`);
      }
      options(out, at, e.options, e.type === 'radio_buttons' || e.type === 'checkboxes' ? 10 : 100, 150);
      if (e.initial_option && !optionIn(e, e.initial_option)) out.push(`${at}: initial_option ${JSON.stringify(e.initial_option.value)} is not one of the options`);
      for (const io of e.initial_options || []) if (!optionIn(e, io)) out.push(`${at}: initial option ${JSON.stringify(io.value)} is not one of the options`);
      confirm(out, at, e.confirm);
      break;
    case 'plain_text_input':
      if (e.max_length !== undefined && (e.max_length < 1 || e.max_length > 3000)) out.push(`${at}: max_length ${e.max_length} outside 1..3000`);
      if (typeof e.initial_value === 'string') {
        const max = e.max_length !== undefined ? e.max_length : 3000;
        if (chars(e.initial_value) > max) out.push(`${at}: initial_value of ${chars(e.initial_value)} characters > max_length ${max}`);
        if (e.min_length !== undefined && e.initial_value !== '' && chars(e.initial_value) < e.min_length) out.push(`${at}: initial_value shorter than min_length`);
      }
      break;
    case 'datepicker':
      if (e.initial_date !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(e.initial_date)) out.push(`${at}: initial_date ${JSON.stringify(e.initial_date)} is not YYYY-MM-DD`);
      break;
    case 'timepicker':
      if (e.initial_time !== undefined && !/^([01]\d|2[0-3]):[0-5]\d$/.test(e.initial_time)) out.push(`${at}: initial_time ${JSON.stringify(e.initial_time)} is not HH:mm`);
      break;
    case 'multi_users_select':
    case 'multi_conversations_select':
    case 'multi_channels_select':
    case 'multi_external_select':
      if (e.max_selected_items !== undefined && e.max_selected_items < 1) out.push(`${at}: max_selected_items below 1`);
      break;
  }
}

function optionIn(e, o) {
  const all = [...(e.options || []), ...(e.option_groups || []).flatMap((g) => g.options || [])];
  return all.some((x) => x.value === o.value && x.text && o.text && x.text.text === o.text.text);
}

function confirm(out, at, c) {
  if (!c) return;
  maxText(out, `${at} confirm title`, c.title, 100);
  maxText(out, `${at} confirm text`, c.text, 300);
  maxText(out, `${at} confirm confirm`, c.confirm, 30);
  maxText(out, `${at} confirm deny`, c.deny, 30);
}

module.exports = { check };
