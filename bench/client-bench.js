// The operator client with 1,000 visitors on the sites: how long one visitor update takes to go
// through the reducer and redraw the whole screen (ink renders only the rows that are visible).
import {renderToString} from 'ink';
import React from 'react';
import {Screen} from '../dist/client/components/Screen.js';
import {reducer} from '../dist/client/reducer.js';
import {initialState} from '../dist/client/state.js';

const VISITORS = 1000;
const UPDATES = 300;

function visitor(i, pages = 1) {
  return {
    id: `visitor-${i}`, site: 'example.com', ip: `10.0.${i >> 8}.${i & 255}`, browser: 'Chrome 120', os: 'Linux',
    page: {url: `https://example.com/products/${i}`, title: `Product ${i}`, at: Date.now()}, pages, since: Date.now() - i * 1000, online: true,
  };
}

let state = initialState('http://127.0.0.1:8080', 'alice');
state = reducer(state, {type: 'resize', cols: 120, rows: 40});
state = reducer(state, {type: 'hub', frame: {t: 'ready', me: {name: 'alice', displayName: 'Alice', status: 'online', connected: true}, hub: 'cac', operators: [], visitors: [], chats: [], messages: [], canned: []}});
for (let i = 0; i < VISITORS; i++) state = reducer(state, {type: 'hub', frame: {t: 'visitor.update', visitor: visitor(i)}});
const draw = () => renderToString(React.createElement(Screen, {state}), {columns: 120});
const first = draw();
if (!first.includes(`Visitors (${VISITORS})`)) throw new Error('the list did not render 1,000 visitors');
const start = process.hrtime.bigint();
for (let n = 0; n < UPDATES; n++) {
  state = reducer(state, {type: 'hub', frame: {t: 'visitor.update', visitor: visitor(n % VISITORS, 2 + n)}});
  draw();
}
const ms = Number(process.hrtime.bigint() - start) / 1e6 / UPDATES;
console.log(`client with ${VISITORS} visitors: one visitor update, reduced and redrawn: ${ms.toFixed(2)} ms`);
