import t from 'tap';
import {Sequencer} from '../src/cluster/sequencer.js';
import {until} from './helpers/manual-timers.js';

t.test('a sequencer stopped while a gap is being read reads no more (a closed hub must not keep retrying)', async (t) => {
  const reads: number[] = [];
  const delivered: number[] = [];
  let fail!: (error: Error) => void;
  const sequencer = new Sequencer<number>({
    seq: (n) => n,
    deliver: (_stream, n) => delivered.push(n),
    read: (_stream, after) => {
      reads.push(after);
      return new Promise((_resolve, reject) => (fail = reject));
    },
    log: () => {},
    gapMs: 5,
  });
  sequencer.push('feed', 3);
  await until(() => reads.length === 1);
  t.same(reads, [0], 'the gap before 3 is read from the store');
  sequencer.stop();
  fail(new Error('the store is not open'));
  sequencer.push('feed', 5);
  // Unstopped, the failed read would be tried again after 50 ms and every 50 ms after that.
  await new Promise((resolve) => setTimeout(resolve, 400));
  t.same(reads, [0], 'no read after the stop');
  t.same(delivered, [], 'nothing delivered out of order');
});
