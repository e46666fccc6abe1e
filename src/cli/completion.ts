import {Command} from 'commander';
import {UsageError, run} from './common.js';
import {example} from './help.js';

/** Every command path (e.g. "blocks add") with the words that may follow it. */
function tree(cmd: Command, path: string[] = [], out = new Map<string, string[]>()): Map<string, string[]> {
  const words = [...cmd.commands.map((c) => c.name()), ...cmd.options.flatMap((o) => [o.long, o.short].filter((f): f is string => !!f)), '--help'];
  out.set(path.join(' '), [...new Set(words)]);
  for (const child of cmd.commands) tree(child, [...path, child.name()], out);
  return out;
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export function bashCompletion(program: Command): string {
  const cases = [...tree(program)].map(([path, words]) => `    ${quote(path)}) words=${quote(words.join(' '))} ;;`);
  return `# cac completion for bash: add to ~/.bashrc:  source <(cac completion bash)
_cac() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" path="" w i
  # The command path so far: the words before the current one that are not options.
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="\${COMP_WORDS[i]}"
    [[ $w == -* ]] && continue
    case "\${path:+$path }$w" in
${[...tree(program).keys()].filter(Boolean).map((p) => `      ${quote(p)}) path="$path\${path:+ }$w" ;;`).join('\n')}
    esac
  done
  local words=""
  case "$path" in
${cases.join('\n')}
  esac
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
}
complete -o default -F _cac cac
`;
}

export function zshCompletion(program: Command): string {
  return `#compdef cac
# cac completion for zsh: add to ~/.zshrc:  source <(cac completion zsh)
autoload -U +X bashcompinit && bashcompinit
${bashCompletion(program)}`;
}

export function completionCommand(program: () => Command): Command {
  return example(
    new Command('completion')
      .argument('<shell>', 'bash or zsh')
      .description('print a shell completion script for cac')
      .action((shell: string) =>
        run(async () => {
          if (shell === 'bash') process.stdout.write(bashCompletion(program()));
          else if (shell === 'zsh') process.stdout.write(zshCompletion(program()));
          else throw new UsageError(`no completion for ${JSON.stringify(shell)}: use bash or zsh`);
        }),
      ),
    'source <(cac completion bash)',
  );
}
