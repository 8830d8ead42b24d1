import { GLOBAL_HELP, GLOBAL_OPTIONS } from './args.js';
import type { Command } from './types.js';

const ENVIRONMENT = 'Environment: SMTP_URL (smtp://user:pass@host:port), BROADSHEET_SECRET (signs unsubscribe links), NO_COLOR.';
const EXIT = 'Exit status: 0 success, 1 bad content or a failed run, 2 bad usage.';

export function mainHelp(commands: readonly Command[]): string {
  const width = Math.max(...commands.map((c) => c.name.length), 'completion'.length);
  return [
    'broadsheet: feeds (RSS, Atom, JSON Feed) and an email digest from Markdown articles',
    '',
    'Usage: broadsheet <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    `  ${'help'.padEnd(width)}  show the help of one command: broadsheet help <command>`,
    `  ${'completion'.padEnd(width)}  print a shell completion script: broadsheet completion bash|zsh|fish`,
    '',
    'Global options (before or after the command):',
    ...GLOBAL_HELP,
    '',
    ENVIRONMENT,
    EXIT,
  ].join('\n');
}

export function commandHelp(command: Command): string {
  return [
    'Usage:',
    ...command.usage.map((u) => `  broadsheet ${u}`),
    '',
    command.summary,
    ...(command.help ? ['', command.help] : []),
    '',
    'Global options:',
    ...GLOBAL_HELP,
  ].join('\n');
}

const longOptions = (c: Command | undefined) => Object.keys({ ...GLOBAL_OPTIONS, ...(c?.options ?? {}) }).map((o) => `--${o}`);

/** A completion script: command names, subcommands, and each command's options. */
export function completionScript(shell: 'bash' | 'zsh' | 'fish', commands: readonly Command[]): string {
  const names = [...commands.map((c) => c.name), 'help', 'completion'];
  if (shell === 'fish') {
    const lines = ['# broadsheet completion for fish: broadsheet completion fish > ~/.config/fish/completions/broadsheet.fish', 'complete -c broadsheet -f'];
    for (const c of commands) lines.push(`complete -c broadsheet -n __fish_use_subcommand -a ${c.name} -d ${JSON.stringify(c.summary)}`);
    for (const c of commands) {
      for (const sub of Object.keys(c.subcommands ?? {})) lines.push(`complete -c broadsheet -n '__fish_seen_subcommand_from ${c.name}' -a ${sub}`);
      for (const o of longOptions(c)) lines.push(`complete -c broadsheet -n '__fish_seen_subcommand_from ${c.name}' -l ${o.slice(2)}`);
    }
    return lines.join('\n') + '\n';
  }
  const cases = commands
    .map((c) => `    ${c.name}) words="${[...Object.keys(c.subcommands ?? {}), ...longOptions(c)].join(' ')}" ;;`)
    .join('\n');
  const body = `_broadsheet() {
  local cur cmd words
  cur="\${COMP_WORDS[COMP_CWORD]}"
  cmd="\${COMP_WORDS[1]}"
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=( $(compgen -W "${names.join(' ')}" -- "$cur") )
    return
  fi
  case "$cmd" in
${cases}
    *) words="${longOptions(undefined).join(' ')}" ;;
  esac
  COMPREPLY=( $(compgen -W "$words" -- "$cur") )
}
complete -o default -F _broadsheet broadsheet
`;
  if (shell === 'bash') return `# broadsheet completion for bash: source <(broadsheet completion bash)\n${body}`;
  // zsh runs bash completion functions through bashcompinit.
  return `# broadsheet completion for zsh: source <(broadsheet completion zsh)\nautoload -U +X bashcompinit && bashcompinit\n${body}`;
}
