import {chmod, mkdir, readFile, writeFile} from 'node:fs/promises';
import {dirname, join} from 'node:path';
import envPaths from 'env-paths';
import {defaultSettings, type Settings} from './state.js';

/** What `cac login` and the options screen keep between runs. */
export interface Config {
  hub?: string;
  operator?: string;
  /** The operator's login token: the file is private (mode 0600) for this reason. */
  token?: string;
  settings?: Partial<Settings>;
}

/** config.json in the user's config folder (on Linux $XDG_CONFIG_HOME/cac, else ~/.config/cac). */
export function configPath(): string {
  return join(envPaths('cac', {suffix: ''}).config, 'config.json');
}

export async function loadConfig(path = configPath()): Promise<Config> {
  let raw: string;
  try {
    raw = await readFile(path, 'utf8');
  } catch {
    return {};
  }
  try {
    return JSON.parse(raw) as Config;
  } catch {
    throw new Error(`${path} is not valid JSON: fix or remove it`);
  }
}

export async function saveConfig(config: Config, path = configPath()): Promise<void> {
  await mkdir(dirname(path), {recursive: true, mode: 0o700});
  await writeFile(path, JSON.stringify(config, null, 2) + '\n', {mode: 0o600});
  // writeFile's mode only applies when it creates the file: tighten an existing one too.
  await chmod(path, 0o600);
}

export function settingsOf(config: Config): Settings {
  return {...defaultSettings, ...config.settings};
}
