import {applyRecords, type ApplyContext} from './apply.js';
import type {Checkpoint} from './checkpoint.js';
import {removeTemps} from './durable-file.js';
import type {FeedLog} from './feed-log.js';
import type {Journal, JournalRecord} from './journal.js';
import {FORMAT_VERSION, migrate, readFormat} from './migrate.js';
import type {OpenIndex} from './open-index.js';
import type {Pending} from './pending.js';

/** What a data folder is opened with in the hub's mode (see EmbeddedStore). */
export interface RecoveryParts {
  /** The folder's own context: its folder, files and report. */
  ctx: ApplyContext;
  journal: Journal;
  checkpoint: Checkpoint;
  pending: Pending;
  index: OpenIndex;
  feed: FeedLog;
  /** Loads the index of open chats, with the records the journal holds on top. */
  loadIndex: (records: JournalRecord[]) => Promise<void>;
}

/**
 * Opens a data folder for a hub: temp files a failed write left are removed, and what a crash
 * left in the journal is taken up. A folder of an older format is converted first.
 */
export async function recoverFolder(p: RecoveryParts): Promise<void> {
  await removeTemps(p.ctx.tmpDir);
  const leftovers = await p.journal.leftovers();
  const records = leftovers.flatMap((s) => s.records);
  if ((await readFormat(p.ctx.dir)) < FORMAT_VERSION) {
    // An older folder (or a new one): its journal goes to the files, then it is converted.
    await applyRecords(p.ctx, records);
    await migrate(p.ctx.dir, p.ctx, p.ctx.report);
    await p.loadIndex([]);
    await p.index.save();
    await p.feed.load();
    await p.journal.remove(leftovers.map((s) => s.n));
    return;
  }
  // What a crash left in the journal is served from memory at once and written to the files by
  // the checkpoint in the background, once the returning sockets are served: a hub with many
  // open chats is back in moments.
  p.pending.hold(records);
  p.journal.finished.push(...leftovers);
  await p.loadIndex(records);
  await p.feed.load(records);
  if (leftovers.length > 0) p.checkpoint.runLater();
}
