import {Box, Text} from 'ink';
import {mainRows} from '../help.js';
import {barBindings, helpBindings} from '../keymap.js';
import {activePane, chatRows, chatTitle, enterTakesPopup, operatorRows, paneVisitorId, visitorOf, visitorRows} from '../selectors.js';
import type {State} from '../state.js';
import {ChatList} from './ChatList.js';
import {ChatPane} from './ChatPane.js';
import {Confirm} from './Confirm.js';
import {HelpOverlay} from './HelpOverlay.js';
import {KeyBar} from './KeyBar.js';
import {OperatorList} from './OperatorList.js';
import {OptionsScreen} from './OptionsScreen.js';
import {HistoryOverlay, VisitsOverlay} from './People.js';
import {offerLines, Popup} from './Popup.js';
import {StatusLine} from './StatusLine.js';
import {Tabs} from './Tabs.js';
import {VisitorList} from './VisitorList.js';
import {Ask, CannedMenu, Inbox} from './Tools.js';
import {cannedRows} from '../tools.js';

export interface ScreenProps {
  state: State;
  configPath?: string;
}

/**
 * The whole screen, drawn from the state alone. One row short of the terminal: ink redraws a
 * frame as tall as the terminal by clearing it, which flickers.
 */
export function Screen({state, configPath}: ScreenProps) {
  const {cols, rows} = state.size;
  const main = mainRows(rows);
  const height = main + 2;
  const left = Math.min(44, Math.max(24, Math.floor(cols * 0.32)));
  const right = Math.max(20, cols - left - 1);
  const visitorsH = Math.max(3, Math.floor(main * 0.4));
  const chatsH = Math.max(3, Math.floor(main * 0.35));
  const opsH = Math.max(2, main - visitorsH - chatsH);
  const chats = chatRows(state);
  const titles = Object.fromEntries(chats.map((c) => [c.id, chatTitle(state, c.id)]));
  const pane = activePane(state);
  const paneVisitor = paneVisitorId(state, pane);
  const popupChat = state.popups[0] ? state.chats[state.popups[0]] : undefined;
  const offer = popupChat?.offeredTo === state.myName ? state.offers[popupChat.id] : undefined;
  const popupH = popupChat ? 5 + (offer ? offerLines(offer.recent.length) : 0) : 0;
  const where = popupChat && enterTakesPopup(state) ? 'popup' : state.focus;
  const overlay = state.overlay;
  return (
    <Box flexDirection="column" width={cols} height={height}>
      {overlay?.kind === 'help' ? (
        <HelpOverlay width={cols} height={main} bindings={helpBindings(state)} top={overlay.top} />
      ) : overlay?.kind === 'visits' ? (
        <VisitsOverlay state={state} width={cols} height={main} />
      ) : overlay?.kind === 'history' ? (
        <HistoryOverlay state={state} width={cols} height={main} />
      ) : (
      <Box height={main}>
        <Box flexDirection="column" width={left}>
          <VisitorList visitors={visitorRows(state)} selected={state.selected.visitors} focused={state.focus === 'visitors'} height={visitorsH} width={left} now={state.now} />
          <ChatList chats={chats} titles={titles} me={state.myName} selected={state.selected.chats} focused={state.focus === 'chats'} height={chatsH} width={left} now={state.now} />
          <OperatorList operators={operatorRows(state)} selected={state.selected.operators} focused={state.focus === 'operators'} height={opsH} width={left} />
        </Box>
        <Box width={1} flexDirection="column">
          <Text dimColor>{'│\n'.repeat(main).trimEnd()}</Text>
        </Box>
        <Box flexDirection="column" width={right}>
          {overlay?.kind === 'options' ? (
            <OptionsScreen settings={state.settings} index={overlay.index} editing={overlay.editing} width={right} configPath={configPath} canned={state.canned} height={main} />
          ) : overlay?.kind === 'canned' ? (
            <CannedMenu rows={cannedRows(state, overlay.filter.text)} filter={overlay.filter} index={overlay.index} me={state.myName} width={right} height={main} />
          ) : overlay?.kind === 'messages' ? (
            <Inbox messages={state.messages} index={overlay.index} width={right} height={main} />
          ) : (
            <>
              <Tabs tabs={state.panes.map((p) => ({title: chatTitle(state, p.chatId), unread: p.unread, closed: Boolean(p.closed)}))} active={state.active} width={right} />
              {popupChat ? (
                <Popup
                  visitor={chatTitle(state, popupChat.id)}
                  site={popupChat.site}
                  firstText={popupChat.firstText}
                  more={state.popups.length - 1}
                  listChosen={state.picking && state.focus !== 'pane'}
                  width={right}
                  offer={offer && {from: offer.from, note: offer.note, recent: offer.recent.map((e) => `${e.name}: ${e.text}`)}}
                />
              ) : null}
              {pane ? (
                <ChatPane
                  pane={pane}
                  title={chatTitle(state, pane.chatId)}
                  me={state.me?.displayName ?? state.myName}
                  width={right}
                  height={main - 1 - popupH}
                  focused={state.focus === 'pane'}
                  sneakPreview={state.settings.sneakPreview}
                  visitor={paneVisitor ? visitorOf(state, paneVisitor) : undefined}
                  visit={paneVisitor ? state.visits[paneVisitor] : undefined}
                />
              ) : (
                <Text dimColor>{popupChat ? '' : 'Waiting chats ring and pop up here. F1 or ? for help.'}</Text>
              )}
            </>
          )}
        </Box>
      </Box>
      )}
      {overlay?.kind === 'confirm' ? (
        <Confirm question={overlay.question} width={cols} />
      ) : overlay?.kind === 'ask' ? (
        <Ask question={overlay.question} line={overlay.line} width={cols} />
      ) : <KeyBar bindings={barBindings(state, where)} width={cols} />}
      <StatusLine conn={state.conn} me={state.me} myName={state.myName} hub={state.hub} notice={state.notice} now={state.now} width={cols} messages={state.messages.length} />
    </Box>
  );
}

