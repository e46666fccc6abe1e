import {Command} from 'commander';
import {addSite, embedSnippet, listSites, removeSite} from '../accounts/sites.js';
import {addDataOption, openStore, printJson, run} from './common.js';

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function sitesCommand(): Command {
  const cmd = new Command('sites').description('add, list and remove the websites cac serves');

  addDataOption(cmd.command('add <domain>'))
    .description('add a site and print the snippet to embed in its pages')
    .option('--alias <domain>', 'another domain of the same site (repeatable)', collect)
    .option('--timezone <zone>', 'the site\'s time zone, Area/City (blocks last until its midnight)', 'UTC')
    .option('--url <base>', 'base URL that relative links are resolved against (default: https://DOMAIN/)')
    .option('--no-preview', 'do not show operators what visitors type before they send it')
    .option('--hub <url>', 'public URL of the hub, for the snippet', 'http://127.0.0.1:8080')
    .option('--json', 'print as JSON')
    .action((domain: string, opts) =>
      run(async () => {
        const site = await addSite(await openStore(opts), domain, {
          aliases: opts.alias,
          timezone: opts.timezone,
          url: opts.url,
          preview: opts.preview,
        });
        const snippet = embedSnippet(opts.hub, site);
        if (opts.json) printJson({...site, snippet});
        else process.stdout.write(`added ${site.domain}\nembed this in every page:\n  ${snippet}\n`);
      }),
    );

  addDataOption(cmd.command('list'))
    .description('list sites with their embed snippets')
    .option('--hub <url>', 'public URL of the hub, for the snippet', 'http://127.0.0.1:8080')
    .option('--json', 'print as JSON')
    .action((opts) =>
      run(async () => {
        const sites = await listSites(await openStore(opts));
        if (opts.json) printJson(sites.map((s) => ({...s, snippet: embedSnippet(opts.hub, s)})));
        else if (sites.length === 0) process.stdout.write('no sites; add one with: cac sites add example.com\n');
        else {
          for (const s of sites) {
            const aliases = s.aliases.length ? ` (also ${s.aliases.join(', ')})` : '';
            process.stdout.write(`${s.domain}${aliases}  ${s.timezone}\n  ${embedSnippet(opts.hub, s)}\n`);
          }
        }
      }),
    );

  addDataOption(cmd.command('remove <domain>'))
    .description('remove a site')
    .action((domain: string, opts) =>
      run(async () => {
        await removeSite(await openStore(opts), domain);
        process.stdout.write(`removed ${domain}\n`);
      }),
    );
  return cmd;
}
