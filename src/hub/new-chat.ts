import {chatIdAt} from '../lib/secrets.js';
import type {ChatRecord} from '../store/types.js';
import type {Hub} from './hub.js';
import type {LiveVisitor} from './sessions.js';

/** A new chat of this visitor, asked for with `text`; owned from the start by `owner` (an invitation). */
export function newVisitorChat(hub: Hub, live: LiveVisitor, text: string, owner?: string): ChatRecord {
  const visitor = live.record;
  return {
    id: chatIdAt(hub.now()),
    kind: 'visitor',
    site: live.site.domain,
    visitorId: visitor.id,
    visitId: live.visit?.start.id,
    visitorName: visitor.name,
    visitorEmail: visitor.email,
    state: owner ? 'active' : 'waiting',
    owner,
    operators: owner ? [owner] : [],
    requestedAt: hub.now(),
    firstText: text,
  };
}
