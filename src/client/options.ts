import type {Settings} from './state.js';

/** The rows of the options screen: a label, how the value reads, and what Enter does to it. */
export interface Option {
  label: string;
  show: (s: Settings) => string;
  toggle: (s: Settings) => Settings;
  /** A text option: Enter edits it as a line instead of toggling. */
  text?: {get: (s: Settings) => string; set: (s: Settings, value: string) => Settings};
}

const NOTIFY: Settings['notify'][] = ['off', 'osc9', 'osc777'];
const onOff = (b: boolean) => (b ? 'on' : 'off');

export const OPTIONS: Option[] = [
  {label: 'Bell on chat requests', show: (s) => onOff(s.bell), toggle: (s) => ({...s, bell: !s.bell})},
  {label: 'Bell on messages in other panes', show: (s) => onOff(s.messageBell), toggle: (s) => ({...s, messageBell: !s.messageBell})},
  {
    label: 'Desktop notifications',
    show: (s) => (s.notify === 'off' ? 'off' : s.notify === 'osc9' ? 'OSC 9' : 'OSC 777'),
    toggle: (s) => ({...s, notify: NOTIFY[(NOTIFY.indexOf(s.notify) + 1) % NOTIFY.length]!}),
  },
  {label: 'Sneak preview of visitor typing', show: (s) => onOff(s.sneakPreview), toggle: (s) => ({...s, sneakPreview: !s.sneakPreview})},
  {
    label: 'Default save folder',
    show: (s) => s.saveFolder,
    toggle: (s) => s,
    text: {get: (s) => s.saveFolder, set: (s, value) => ({...s, saveFolder: value.trim() || '~'})},
  },
];

export function toggleOption(settings: Settings, index: number): Settings {
  return OPTIONS[index]?.toggle(settings) ?? settings;
}
