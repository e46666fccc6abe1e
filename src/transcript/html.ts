import escapeHtml from 'escape-html';
import {transcriptOf} from './model.js';
import type {Entry, Transcript, TranscriptInput} from './model.js';
import {clockIn, isoUtc} from './time.js';

/*
 * The HTML transcript: one standalone HTML5 document, for a browser, an archive or the HTML part
 * of an e-mail. It loads nothing and runs nothing (inline style only, no script, no external
 * resource), so opening it reveals nothing to anyone and cannot act. Every string from a visitor
 * is escaped as it is written out; links are real only when they are http(s).
 */

// Inline, small, and readable without it: mail clients drop what they do not know.
const CSS = `body{font:15px/1.45 system-ui,sans-serif;margin:1.5em auto;max-width:48em;padding:0 1em;color:#1d1d1f;background:#fff}
h1{font-size:1.35em;margin:0 0 .6em}h2{font-size:1.05em;margin:1.4em 0 .4em}
dl.visit{display:grid;grid-template-columns:max-content 1fr;gap:.15em 1em;margin:0}dl.visit dt{color:#5f6368}dl.visit dd{margin:0}
ol{list-style:none;padding:0;margin:0}li{padding:.2em 0}time{color:#5f6368;font-variant-numeric:tabular-nums;margin-right:.5em}
.who{font-weight:600}.visitor .who{color:#0b57d0}.operator .who{color:#137333}.system{color:#5f6368;font-style:italic}
.text{white-space:pre-wrap;overflow-wrap:anywhere}a{overflow-wrap:anywhere}.day{font-weight:600;border-top:1px solid #ddd;margin-top:.4em}
.private{background:#fff8e1;border-left:3px solid #f9ab00;padding-left:.5em}.mark{font-size:.8em;color:#8a6d00;margin-right:.5em}`;

const e = escapeHtml;

/** A URL as a link when it may be one, as plain text otherwise. */
function link(text: string, href: string | undefined): string {
  return href ? `<a href="${e(href)}" rel="noopener noreferrer">${e(text)}</a>` : e(text);
}

function time(at: number, timeZone: string): string {
  return `<time datetime="${isoUtc(at)}">${clockIn(at, timeZone)}</time> `;
}

function visitList(t: Transcript): string {
  const rows = t.fields.map((f) => `<dt>${e(f.label)}</dt><dd>${link(f.value, f.href)}</dd>`);
  return `<dl class="visit">\n${rows.join('\n')}\n</dl>`;
}

function pageList(t: Transcript): string {
  if (t.pages.length === 0) return '';
  const items = t.pages.map((p) => `<li>${time(p.at, t.timeZone)}${e(p.title || '(no title)')} ${link(p.value, p.href)}</li>`);
  return `\n<h2>Pages viewed (${t.pages.length})</h2>\n<ol class="pages">\n${items.join('\n')}\n</ol>`;
}

function entryItem(x: Entry, timeZone: string): string {
  const classes = [x.kind, x.from, ...(x.private ? ['private'] : [])].join(' ');
  const mark = x.private ? '<span class="mark">operators only</span>' : '';
  const who = `<span class="who">${e(x.who)}</span>`;
  let body: string;
  if (x.kind === 'message') body = `${who}: <span class="text">${e(x.text)}</span>`;
  else if (x.kind === 'link') body = `${who} sent a link: ${link(x.text, x.href)}`;
  else if (x.kind === 'note') body = `Note by ${who}: <span class="text">${e(x.text)}</span>`;
  else body = `<span class="text">${e(x.text)}</span>`;
  const day = x.day ? `<li class="day">${x.day}</li>\n` : '';
  return `${day}<li class="${classes}">${time(x.at, timeZone)}${mark}${body}</li>`;
}

/** The whole chat as a standalone HTML5 document (UTF-8). */
export function transcriptHtml(input: TranscriptInput): string {
  const t = transcriptOf(input);
  const events = t.entries.map((x) => entryItem(x, t.timeZone));
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${e(`${t.title}, ${t.date}`)}</title>
<style>
${CSS}
</style>
</head>
<body>
<h1>${e(t.title)}</h1>
${visitList(t)}${pageList(t)}
<h2>Conversation</h2>
${events.length > 0 ? `<ol class="events">\n${events.join('\n')}\n</ol>` : '<p>No messages.</p>'}
</body>
</html>
`;
}
