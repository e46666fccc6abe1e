import {Command} from 'commander';
import {embedSnippet} from '../accounts/sites.js';
import {limitNames, type LimitName} from '../protocol/limits.js';
import {OpError} from '../admin/error.js';
import {siteNamed} from '../lib/site-named.js';
import {callAdmin} from './call.js';
import {addTargetOptions, hubUrl, notBoth, printJson, run, UsageError} from './common.js';
import {collect, example, sub} from './help.js';

const PUBLIC = 'http://127.0.0.1:8080';

function parseLimits(list: string[]): Partial<Record<LimitName, number | null>> {
  const out: Partial<Record<LimitName, number | null>> = {};
  for (const item of list) {
    const [name, value] = item.split('=');
    if (value === undefined) throw new UsageError(`--limit wants NAME=N (or NAME=default), like messages-per-hour=100, not ${JSON.stringify(item)}`);
    if (!limitNames.includes(name as LimitName)) throw new UsageError(`no limit ${JSON.stringify(name)}: one of ${limitNames.join(', ')}`);
    const n = Number(value);
    if (value !== 'default' && (!Number.isInteger(n) || n < 1)) throw new UsageError(`--limit ${name} wants a whole number or "default", not ${JSON.stringify(value)}`);
    out[name as LimitName] = value === 'default' ? null : n;
  }
  return out;
}

function days(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--retain-days wants a whole number of days, not ${JSON.stringify(text)}`);
  return n;
}

export function sitesCommand(): Command {
  const cmd = new Command('sites').description('add, list and remove the websites cac serves');
  example(cmd, 'cac sites add example.com --timezone Europe/London --hub https://chat.example.com');

  addTargetOptions(sub(cmd, 'add <domain>', 'add a site and print the snippet to embed in its pages', 'cac sites add example.com --alias www.example.com --timezone Europe/Paris'))
    .option('--alias <domain>', 'another domain of the same site (repeatable)', collect)
    .option('--timezone <zone>', 'the site\'s time zone, Area/City (blocks last until its midnight)', 'UTC')
    .option('--url <base>', 'base URL that relative links are resolved against (default: https://DOMAIN/)')
    .option('--no-preview', 'do not show operators what visitors type before they send it')
    .option('--retain-days <n>', 'remove its ended chats and visits after N days (default: the hub\'s --retain-days)')
    .option('--origin <origin>', 'a page origin allowed to open the widget, scheme://host[:port] (repeatable; default: https on the domain and aliases, and the --url origin); *://HOST allows any scheme and port', collect)
    .option('--hub <url>', 'public URL of the hub, for the snippet', PUBLIC)
    .option('--json', 'print as JSON')
    .action((domain: string, opts) =>
      run(async () => {
        const hub = hubUrl(opts.hub); // before the site is added: a bad address changes nothing
        const retainDays = opts.retainDays === undefined ? undefined : days(opts.retainDays);
        const site = await callAdmin({...opts, create: true}, 'sites.add', {domain, aliases: opts.alias, timezone: opts.timezone, url: opts.url, preview: opts.preview, retainDays, origins: opts.origin});
        const snippet = embedSnippet(hub, site);
        if (opts.json) printJson({...site, snippet});
        else process.stdout.write(`added ${site.domain}\nembed this in every page:\n  ${snippet}\n`);
      }),
    );

  addTargetOptions(sub(cmd, 'list', 'list sites with their embed snippets', 'cac sites list --hub https://chat.example.com'))
    .option('--hub <url>', 'public URL of the hub, for the snippet', PUBLIC)
    .option('--json', 'print as JSON')
    .action((opts) =>
      run(async () => {
        const hub = hubUrl(opts.hub);
        const sites = await callAdmin(opts, 'sites.list', {});
        if (opts.json) printJson(sites.map((s) => ({...s, snippet: embedSnippet(hub, s)})));
        else if (sites.length === 0) process.stderr.write('no sites; add one with: cac sites add example.com\n');
        else {
          for (const s of sites) {
            const aliases = s.aliases.length ? ` (also ${s.aliases.join(', ')})` : '';
            const origins = s.origins ? `  origins: ${s.origins.join(' ')}` : '';
            process.stdout.write(`${s.domain}${aliases}  ${s.timezone}${origins}\n  ${embedSnippet(hub, s)}\n`);
          }
        }
      }),
    );

  addTargetOptions(sub(cmd, 'snippet <domain>', 'print the one tag to embed in the pages of a site', 'cac sites snippet example.com --hub https://chat.example.com >> footer.html'))
    .option('--hub <url>', 'public URL of the hub', PUBLIC)
    .action((domain: string, opts) =>
      run(async () => {
        const site = siteNamed(await callAdmin(opts, 'sites.list', {}), domain.toLowerCase());
        if (!site) throw new OpError('not_found', `no site ${domain}`);
        process.stdout.write(embedSnippet(hubUrl(opts.hub), site) + '\n');
      }),
    );

  addTargetOptions(sub(cmd, 'set <domain>', 'change a site\'s settings', 'cac sites set example.com --retain-days 365'))
    .option('--retain-days <n>', 'remove its ended chats and visits after N days')
    .option('--keep-forever', 'keep its history (the hub\'s --retain-days still applies)')
    .option('--origin <origin>', 'the page origins allowed to open the widget (repeatable; replaces the list)', collect)
    .option('--default-origins', 'back to https on the domain and aliases, and the --url origin')
    .option('--limit <name=n>', `an abuse limit of this site (repeatable; n or "default"): ${limitNames.join(', ')}`, collect)
    .option('--preview', 'show operators what visitors type before they send it')
    .option('--no-preview', 'do not')
    .option('--json', 'print as JSON')
    .action((domain: string, opts, command: Command) =>
      run(async () => {
        notBoth(command, 'preview');
        if (opts.retainDays !== undefined && opts.keepForever) throw new UsageError('give --retain-days or --keep-forever, not both');
        const retainDays = opts.keepForever ? null : opts.retainDays === undefined ? undefined : days(opts.retainDays);
        if (opts.origin && opts.defaultOrigins) throw new UsageError('give --origin or --default-origins, not both');
        const origins = opts.defaultOrigins ? null : opts.origin;
        const limits = opts.limit && parseLimits(opts.limit);
        const site = await callAdmin(opts, 'sites.set', {domain, retainDays, preview: opts.preview, origins, limits});
        if (opts.json) printJson(site);
        else process.stdout.write(`${site.domain}: history ${site.retainDays ? `kept ${site.retainDays} days` : 'kept (unless the hub has --retain-days)'}, typing preview ${site.preview ? 'on' : 'off'}\n`);
      }),
    );

  addTargetOptions(sub(cmd, 'remove <domain>', 'remove a site', 'cac sites remove old.example.com'))
    .action((domain: string, opts) =>
      run(async () => {
        await callAdmin(opts, 'sites.remove', {domain});
        process.stdout.write(`removed ${domain}\n`);
      }),
    );
  return cmd;
}
