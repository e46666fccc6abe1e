// Printing: progress lines while the run goes, one table at the end, and the JSON file.
// Figures only; an aim that is missed is marked, never asserted.

import {writeFileSync} from 'node:fs';

const begun = Date.now();

/** A progress line, with the seconds since the run began (to see where the time goes). */
export function say(line) {
  const t = String(Math.round((Date.now() - begun) / 1000)).padStart(4);
  process.stdout.write(`${t}s  ${line}\n`);
}

export function ms(v) {
  if (v === null || v === undefined || Number.isNaN(v)) return '-';
  if (v === Infinity) return 'inf';
  return v < 10 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : String(Math.round(v));
}

export const count = (v) => (v === null || v === undefined ? '-' : Math.round(v).toLocaleString('en-US'));

/** "server 80%", or each process of several: "hub1 60% hub2 55% postgres 30% redis 5%". */
const cpuText = (by) => Object.entries(by).map(([name, share]) => `${name} ${Math.round(share * 100)}%`).join(' ');

/** The disk probe's fdatasync latencies over the step (see disk-probe.js). */
const diskText = (d) =>
  !d ? '' : d.error ? `; disk probe failed: ${d.error}` : `; disk fdatasync p50 ${ms(d.p50)} p99 ${ms(d.p99)} max ${ms(d.max)} ms${d.stalls ? ` (${d.stalls} over ${d.stallMs} ms)` : ''}`;

export function describeStep(s) {
  if (!s.offered) return `${count(s.rate)} msg/s not offered: ${s.why}`;
  const d = (x) => `p50 ${ms(x.p50)} p99 ${ms(x.p99)} max ${ms(x.max)} ms${x.missing ? ` (${count(x.missing)} lost)` : ''}`;
  const errors = Object.entries(s.errors).map(([code, n]) => `${code} ${n}`).join(', ');
  return (
    (s.retried ? 'again, ' : '') +
    `${count(s.rate)} msg/s: v->o ${d(s.visitorToOperator)}; o->v ${d(s.operatorToVisitor)}; ` +
    `delivered ${count(s.deliveredRate)}/s; CPU ${cpuText(s.cpuBy)} clients ${Math.round(s.clients.cpuTotal * 100)}%` +
    (s.otherCpu > 0.1 ? ` other processes ${Math.round(s.otherCpu * 100)}%` : '') +
    (s.stealCpu > 0.05 ? ` stolen ${Math.round(s.stealCpu * 100)}%` : '') +
    (s.waitedForQuietMs > 2000 ? ` (waited ${Math.round(s.waitedForQuietMs / 1000)} s for other work to calm down)` : '') +
    diskText(s.disk) +
    (s.clients.loopDelayP99Ms > 10 ? `; client event loop late by up to ${ms(s.clients.loopDelayP99Ms)} ms (p99)` : '') +
    (s.clients.keptUp ? '' : `; CLIENTS BEHIND (${count(s.clients.notSent)} not sent, lag up to ${ms(s.clients.maxLagMs)} ms)`) +
    (errors ? `; errors: ${errors}` : '') +
    (s.backlogAfter > 0 ? `; ${count(s.backlogAfter)} never arrived` : '')
  );
}

export function describeResume(r) {
  const last = r.ms === null ? `not all back after ${r.timeoutMs} ms` : `the last ${Math.round(r.ms)} ms`;
  return (
    `restart served after ${Math.round(r.restartMs)} ms; ${r.welcomed}/${r.dropped} visitors resumed, ` +
    `half ${ms(r.p50Ms)} ms and ${last} after it served (server CPU ${Math.round(r.serverCpu * 100)}%)` +
    (r.retries ? `; ${r.retries} reconnects retried` : '') +
    (r.acceptQueueOverflows ? `; ${r.acceptQueueOverflows} SYNs dropped on a full accept queue` : '') +
    (Object.keys(r.errors).length ? `; errors: ${JSON.stringify(r.errors)}` : '')
  );
}

const under = (limit) => (v) => (v === null || v === undefined ? null : v <= limit);

/** Rows of the final table: label, the two values, how to print them, and the hub's aim. */
function rows(r, opts) {
  const hub = r.hub ?? {};
  const relay = r.relay ?? {};
  const step = (x, rate, dir, key) => (x[rate]?.offered ? x[rate][dir][key] : null);
  const v = opts.visitors.toLocaleString('en-US');
  const list = [
    ['p50 v->o at 1k msg/s (ms)', (x) => step(x, 'at1k', 'visitorToOperator', 'p50'), ms, '<= 2', under(2)],
    ['p99 v->o at 1k msg/s (ms)', (x) => step(x, 'at1k', 'visitorToOperator', 'p99'), ms, '<= 10', under(10)],
    ['max v->o at 1k msg/s (ms)', (x) => step(x, 'at1k', 'visitorToOperator', 'max'), ms],
    ['p99 o->v at 1k msg/s (ms)', (x) => step(x, 'at1k', 'operatorToVisitor', 'p99'), ms],
    ['disk: slowest fdatasync in that step (ms)', (x) => x.at1k?.disk?.max ?? null, ms],
    ['delivered at 1k (msg/s)', (x) => (x.at1k?.offered ? x.at1k.deliveredRate : null), count],
    ['p50 v->o at 10k msg/s (ms)', (x) => step(x, 'at10k', 'visitorToOperator', 'p50'), ms],
    ['p99 v->o at 10k msg/s (ms)', (x) => step(x, 'at10k', 'visitorToOperator', 'p99'), ms, '<= 50', under(50)],
    ['max v->o at 10k msg/s (ms)', (x) => step(x, 'at10k', 'visitorToOperator', 'max'), ms],
    ['p99 o->v at 10k msg/s (ms)', (x) => step(x, 'at10k', 'operatorToVisitor', 'p99'), ms],
    ['disk: slowest fdatasync in that step (ms)', (x) => x.at10k?.disk?.max ?? null, ms],
    ['delivered at 10k (msg/s)', (x) => (x.at10k?.offered ? x.at10k.deliveredRate : null), count],
    [
      'max rate, p99 <= 50 ms (msg/s)',
      (x) => x.climb?.best ?? null,
      (val, x) => (val === null ? '-' : count(val) + (x.climb?.stop.startsWith('topology') || x.climb?.stop.startsWith('load clients') ? '+' : '')),
      '>= 20,000 or >= relay/2',
      (val) => (val === null ? null : val >= 20_000 || (relay.climb?.best ? val >= relay.climb.best / 2 : false)),
    ],
    [`RSS, ${v} idle visitors (MB)`, (x) => x.rssIdleMb ?? null, (val) => (val === null ? '-' : val.toFixed(0)), '<= 200', under(200)],
    [`RSS, same, at rest (MB)`, (x) => x.rssRestMb ?? null, (val) => (val === null ? '-' : val.toFixed(0)), '<= 200', under(200)],
    [
      `resume of ${v} visitors (ms)`,
      // Not every visitor back within the time allowed: the figure is "over" that time.
      (x) => (x.resume ? (x.resume.ms ?? Infinity) : null),
      (val, x) => (val === Infinity ? `> ${x.resume.timeoutMs} (${x.resume.welcomed} back)` : ms(val)),
      '<= 3000',
      under(3000),
    ],
    ['cold start, empty (ms)', (x) => x.cold?.empty?.ms ?? null, ms, '<= 150', under(150)],
  ];
  for (const n of opts.stored) {
    const aim = n === 10_000 ? ['<= 400', under(400)] : [];
    list.push([`cold start, ${n.toLocaleString('en-US')} stored chats (ms)`, (x) => x.cold?.[`stored${n}`]?.ms ?? null, ms, ...aim]);
  }
  return list.map(([label, get, fmt, aim = '', check]) => {
    const h = get(hub);
    const b = get(relay);
    const ok = check ? check(h) : null;
    const ratio = h !== null && b !== null && Number.isFinite(h) && Number.isFinite(b) && b > 0 ? `x${(h / b).toFixed(h / b < 10 ? 2 : 0)}` : '-';
    return [label, fmt(h, hub), fmt(b, relay), ratio, aim + (ok === true ? '  ok' : ok === false ? '  MISS' : '')];
  });
}

/** A table of strings, the header first: the first and last columns left-aligned, the figures right. */
export function printRows(table) {
  const last = table[0].length - 1;
  const widths = table[0].map((_, c) => Math.max(...table.map((row) => row[c].length)));
  const line = (row) => row.map((cell, c) => (c === 0 || c === last ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ');
  process.stdout.write('\n' + line(table[0]) + '\n' + widths.map((w) => '-'.repeat(w)).join('  ') + '\n');
  for (const row of table.slice(1)) process.stdout.write(line(row) + '\n');
}

export function printTable(results, opts) {
  printRows([['figure', 'hub', 'relay', 'hub/relay', 'aim (hub)'], ...rows(results, opts)]);
}

export function writeJson(file, results) {
  // Infinity is not JSON: a latency that never came is written as null, with the lost count beside it.
  writeFileSync(file, JSON.stringify(results, (_k, val) => (val === Infinity ? null : val), 2) + '\n');
}
