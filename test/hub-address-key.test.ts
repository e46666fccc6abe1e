import t from 'tap';
import {addressKey} from '../src/hub/address-key.js';

t.test('limits count an IPv4 address by itself and an IPv6 one by its /64', async (t) => {
  t.equal(addressKey('203.0.113.9'), '203.0.113.9');
  t.equal(addressKey('::ffff:203.0.113.9'), '203.0.113.9', 'IPv4 mapped into IPv6');
  t.equal(addressKey('2001:db8:1:2::a'), '2001:db8:1:2::/64');
  t.equal(addressKey('2001:0db8:0001:0002:ffff:0:0:1'), '2001:db8:1:2::/64', 'another address of the same /64, written in full');
  t.equal(addressKey('2001:DB8:1:2:3:4:5:6'), '2001:db8:1:2::/64', 'upper case');
  t.not(addressKey('2001:db8:1:3::a'), addressKey('2001:db8:1:2::a'), 'the next /64 is another');
  t.equal(addressKey('2001:db8::'), '2001:db8:0:0::/64');
  t.equal(addressKey('::1'), '0:0:0:0::/64');
  t.equal(addressKey('fe80::1%eth0'), 'fe80:0:0:0::/64', 'a zone');
  t.equal(addressKey('64:ff9b::192.0.2.1'), '64:ff9b:0:0::/64', 'an IPv4 address at the end');
  t.equal(addressKey('unknown'), 'unknown', 'anything else as it is');
});
