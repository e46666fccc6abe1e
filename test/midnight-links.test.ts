import t from 'tap';
import {resolveLink} from '../src/hub/links.js';
import {localDate, nextLocalMidnight} from '../src/lib/midnight.js';

t.test('next local midnight follows the zone, not "+24 h"', async (t) => {
  // An ordinary day in New York (UTC-5 in January).
  t.equal(nextLocalMidnight(Date.UTC(2026, 0, 15, 20, 0), 'America/New_York'), Date.UTC(2026, 0, 16, 5, 0));
  // Just before midnight, the block lasts one minute.
  t.equal(nextLocalMidnight(Date.UTC(2026, 0, 16, 4, 59), 'America/New_York'), Date.UTC(2026, 0, 16, 5, 0));
  // Exactly at midnight the next local date is a whole day away.
  t.equal(nextLocalMidnight(Date.UTC(2026, 0, 16, 5, 0), 'America/New_York'), Date.UTC(2026, 0, 17, 5, 0));
  // London on the day the clocks go forward (2026-03-29 is 23 h long): midnight after it is 23:00 UTC.
  t.equal(nextLocalMidnight(Date.UTC(2026, 2, 29, 12, 0), 'Europe/London'), Date.UTC(2026, 2, 29, 23, 0));
  // London on the day the clocks go back (2026-10-25 is 25 h long).
  t.equal(nextLocalMidnight(Date.UTC(2026, 9, 24, 23, 30), 'Europe/London'), Date.UTC(2026, 9, 26, 0, 0));
  // Sao Paulo 2018-11-04: clocks jumped from 00:00 to 01:00, so that day had no midnight and
  // began at 01:00 local (03:00 UTC).
  t.equal(nextLocalMidnight(Date.UTC(2018, 10, 3, 20, 0), 'America/Sao_Paulo'), Date.UTC(2018, 10, 4, 3, 0));
  t.equal(localDate(Date.UTC(2018, 10, 4, 3, 0), 'America/Sao_Paulo'), '2018-11-04');
  // Samoa skipped 2011-12-30 entirely.
  t.equal(localDate(nextLocalMidnight(Date.UTC(2011, 11, 29, 12, 0), 'Pacific/Apia'), 'Pacific/Apia'), '2011-12-31');
  t.equal(nextLocalMidnight(Date.UTC(2026, 5, 1, 12, 0), 'UTC'), Date.UTC(2026, 5, 2));
});

t.test('links sent to visitors are http(s) only', async (t) => {
  const base = 'https://shop.example/';
  t.equal(resolveLink('order.htm', base), 'https://shop.example/order.htm');
  t.equal(resolveLink('/offer.gif', 'https://shop.example/demo/'), 'https://shop.example/offer.gif');
  t.equal(resolveLink('order.htm', 'http://localhost:8080/demo/'), 'http://localhost:8080/demo/order.htm');
  t.equal(resolveLink('https://other.example/x?y=1', base), 'https://other.example/x?y=1');
  t.equal(resolveLink('HTTP://Other.Example/', base), 'http://other.example/');
  // An address typed without its scheme names a site of its own, as the client offers it.
  t.equal(resolveLink('www.mysite.com/offer.gif', base), 'https://www.mysite.com/offer.gif');
  t.equal(resolveLink(' WWW.Mysite.com', base), 'https://www.mysite.com/');
  for (const bad of ['javascript:alert(1)', ' javascript:alert(1)', 'JAVASCRIPT:x', 'data:text/html,x', 'file:///etc/passwd', 'vbscript:x', 'ftp://x/']) {
    t.throws(() => resolveLink(bad, base), /only http and https/, bad);
  }
  t.throws(() => resolveLink('   ', base), /empty/);
  t.throws(() => resolveLink('https://user:pw@x.example/', base), /credentials/);
  t.throws(() => resolveLink('http://[bad', base), /not a valid link/);
});
