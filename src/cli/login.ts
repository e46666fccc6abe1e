import {Command} from 'commander';
import {configPath, loadConfig, saveConfig} from '../client/config.js';
import {hubUrl, run, UsageError} from './common.js';
import {example} from './help.js';

/** Reads a token without echoing it (TTY), or the first line of stdin (pipe). */
export async function readToken(prompt: string): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) {
    let data = '';
    for await (const chunk of stdin) data += String(chunk);
    return data.split('\n')[0]!.trim();
  }
  process.stderr.write(prompt);
  stdin.setRawMode(true);
  stdin.resume();
  stdin.setEncoding('utf8');
  try {
    return await new Promise<string>((resolve, reject) => {
      let token = '';
      const onData = (chunk: string) => {
        for (const ch of chunk) {
          if (ch === '\r' || ch === '\n') {
            stdin.off('data', onData);
            resolve(token.trim());
            return;
          }
          if (ch === '\x03') {
            stdin.off('data', onData);
            reject(new Error('cancelled'));
            return;
          }
          if (ch === '\x7f' || ch === '\b') token = token.slice(0, -1);
          else if (ch >= ' ') token += ch;
        }
      };
      stdin.on('data', onData);
    });
  } finally {
    stdin.setRawMode(false);
    stdin.pause();
    process.stderr.write('\n');
  }
}

/** Opens the operator socket once, to tell a wrong token from a typo in the hub address. */
export async function checkLogin(hub: string, operator: string, token: string): Promise<void> {
  const {default: WebSocket} = await import('ws');
  const {operatorSocketUrl} = await import('../client/connection.js');
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(operatorSocketUrl(hub), {headers: {authorization: `Bearer ${token}`, 'x-cac-operator': operator}});
    ws.on('open', () => {
      ws.close();
      resolve();
    });
    ws.on('error', (error) => {
      reject(new Error(/401/.test(error.message) ? 'the hub refused this operator name and token' : `cannot reach ${hub}: ${error.message}`));
    });
  });
}

export function loginCommand(): Command {
  const cmd = new Command('login')
    .description('save the hub address, operator name and token for cac client (token read without echo)')
    .requiredOption('--hub <url>', 'hub address, e.g. https://chat.example.com')
    .requiredOption('--operator <name>', 'your operator name')
    .option('--no-check', 'save without trying the token against the hub')
    .action((opts: {hub: string; operator: string; check: boolean}) =>
      run(async () => {
        // Checked before the token is asked for, and before anything saved is replaced.
        const hub = hubUrl(opts.hub);
        // The schemas load only here: `cac --help` reads none of them.
        const {operatorName} = await import('../protocol/index.js');
        const name = operatorName.safeParse(opts.operator);
        if (!name.success) throw new UsageError(`--operator wants an operator name (1-32 of a-z, 0-9, _ and -), not ${JSON.stringify(opts.operator)}`);
        const token = await readToken(`Token for ${opts.operator}: `);
        if (!token) throw new UsageError('no token given: type it at the prompt, or pipe it in (echo TOKEN | cac login ...)');
        if (opts.check) await checkLogin(hub, opts.operator, token);
        const path = configPath();
        const config = await loadConfig(path);
        await saveConfig({...config, hub, operator: opts.operator, token}, path);
        process.stdout.write(`logged in as ${opts.operator} at ${hub}; saved in ${path} (mode 0600)\n`);
      }),
    );
  return example(cmd, 'cac login --hub https://chat.example.com --operator alice', 'echo "$CAC_TOKEN" | cac login --hub http://127.0.0.1:8080 --operator alice --no-check');
}
