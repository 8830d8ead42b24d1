import { parseArgs } from 'node:util';
import { BroadsheetError } from '../errors.js';
import type { Command, OptionSpec } from './types.js';

/** Options every command takes, before or after the command's name. */
export const GLOBAL_OPTIONS: OptionSpec = {
  config: { type: 'string', short: 'c' },
  out: { type: 'string', short: 'o' },
  'log-format': { type: 'string' },
  'no-color': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'V' },
};

export const GLOBAL_HELP = [
  '  -c, --config <file>      configuration file (default: broadsheet.config.yaml)',
  '  -o, --out <dir>          output folder (default: output.dir in the config)',
  '      --log-format <fmt>   text (default) or json: one JSON object per line, logs on stderr, summaries on stdout',
  '      --no-color           no colour, even on a terminal (so does the NO_COLOR environment variable)',
  '  -h, --help               show help; broadsheet help <command> for one command',
  '  -V, --version            print the version',
];

export type LogFormat = 'text' | 'json';

export type CommandLine =
  | { kind: 'help'; command?: Command; format: LogFormat }
  | { kind: 'version'; format: LogFormat }
  | { kind: 'completion'; shell: 'bash' | 'zsh' | 'fish' }
  | { kind: 'run'; command: Command; positionals: string[]; options: Record<string, string | boolean | string[] | undefined>; format: LogFormat; color: boolean };

/** Edit distance counting a swap of two neighbours as one edit (`biuld` is one from `build`), for "did you mean". */
function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}

/** The closest candidate, when it is close enough to be what was meant. */
export function closest(input: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = c.startsWith(input) && input.length >= 2 ? 0.5 : distance(input, c);
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  return best !== undefined && bestDistance <= (best.replace(/^-+/, '').length <= 4 ? 1 : 2) ? best : undefined;
}

const usage = (message: string) => new BroadsheetError('USAGE', message);
const suggestion = (s: string | undefined) => (s ? `; did you mean ${s}?` : '');
const HELP = ' (see broadsheet --help)';

const optionNames = (spec: OptionSpec) => Object.entries(spec).flatMap(([name, o]) => [`--${name}`, ...(o.short ? [`-${o.short}`] : [])]);
const takesValue = (spec: OptionSpec, token: string): boolean => {
  const bare = token.replace(/^--?/, '');
  const entry = token.startsWith('--') ? spec[bare] : Object.values(spec).find((o) => o.short === bare);
  return entry?.type === 'string' && !token.includes('=');
};

/** The name of the option in a parseArgs message, e.g. `'--chek'` or `'-c, --config <value>'`. */
function optionIn(message: string): string {
  const quoted = /'([^']+)'/.exec(message)?.[1] ?? '';
  return quoted.split(/[ ,]+/).filter((p) => p.startsWith('-')).at(-1) ?? quoted;
}

/** What a command accepts after its name: positional names, or subcommands with theirs. */
function checkPositionals(command: Command, positionals: string[]): void {
  const where = `broadsheet ${command.name}`;
  if (command.subcommands) {
    const names = Object.keys(command.subcommands);
    const sub = positionals[0];
    if (sub === undefined) throw usage(`${where} needs one of: ${names.join(', ')} (see broadsheet help ${command.name})`);
    const args = command.subcommands[sub];
    if (!args) throw usage(`unknown ${command.name} command "${sub}"${suggestion(closest(sub, names))} (one of: ${names.join(', ')})`);
    checkCount(`${where} ${sub}`, args, positionals.slice(1));
    return;
  }
  checkCount(where, command.args ?? [], positionals);
}

function checkCount(where: string, args: readonly string[], given: string[]): void {
  const required = args.filter((a) => a.startsWith('<')).length;
  if (given.length < required) throw usage(`${where} needs ${args.slice(given.length).filter((a) => a.startsWith('<')).join(' ')}`);
  if (given.length > args.length) {
    const extra = given.slice(args.length).map((g) => JSON.stringify(g)).join(' ');
    throw usage(`unexpected argument ${extra}: ${where} takes ${args.length === 0 ? 'no arguments' : args.join(' ')}`);
  }
}

/**
 * Reads a command line: global options anywhere, then the command, its
 * options and its arguments. Every misuse is a USAGE error in our words,
 * with a suggestion when one is close.
 */
export function parseCommandLine(argv: readonly string[], commands: readonly Command[], env: { noColor: boolean; tty: boolean }): CommandLine {
  // The command is the first argument that is neither an option nor a global option's value.
  let index = -1;
  for (let i = 0; i < argv.length; i++) {
    const t = argv[i]!;
    if (t === '--') break;
    if (!t.startsWith('-') || t === '-') {
      index = i;
      break;
    }
    const name = t.split('=')[0]!;
    if (!optionNames(GLOBAL_OPTIONS).includes(name)) {
      const all = [...new Set([...optionNames(GLOBAL_OPTIONS), ...commands.flatMap((c) => optionNames(c.options))])];
      const guess = closest(name, all);
      throw usage(`unknown option ${name} before the command${guess ? ` (did you mean ${guess}?)` : ''}: only global options may come first, command options go after the command`);
    }
    if (takesValue(GLOBAL_OPTIONS, t)) i++;
  }
  const name = index >= 0 ? argv[index]! : undefined;
  const rest = index >= 0 ? [...argv.slice(0, index), ...argv.slice(index + 1)] : [...argv];
  const builtins = ['help', 'completion'];
  const command = name === undefined || builtins.includes(name) ? undefined : commands.find((c) => c.name === name);
  if (name !== undefined && !command && !builtins.includes(name)) {
    throw usage(`unknown command "${name}"${suggestion(closest(name, [...commands.map((c) => c.name), ...builtins]))}${HELP}`);
  }

  let parsed;
  try {
    parsed = parseArgs({ args: rest, options: { ...GLOBAL_OPTIONS, ...(command?.options ?? {}) }, allowPositionals: true, strict: true });
  } catch (cause) {
    const e = cause as { code?: string; message: string };
    const option = optionIn(e.message);
    const spec = { ...GLOBAL_OPTIONS, ...(command?.options ?? {}) };
    const context = command ? ` for broadsheet ${command.name}` : '';
    if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') throw usage(`unknown option ${option}${context}${suggestion(closest(option.split('=')[0]!, optionNames(spec)))} (see broadsheet help ${command?.name ?? ''})`.replace(' )', ')'));
    if (/argument missing|ambiguous/.test(e.message)) throw usage(`${option} needs a value${context}`);
    if (/does not take an argument/.test(e.message)) throw usage(`${option} takes no value${context}`);
    throw usage(`${e.message.split('\n')[0]}${context}`);
  }
  const options = parsed.values as Record<string, string | boolean | string[] | undefined>;
  const format = options['log-format'] ?? 'text';
  if (format !== 'text' && format !== 'json') throw usage(`--log-format must be text or json, not "${String(format)}"`);

  if (options.version) return { kind: 'version', format };
  if (name === 'help' || options.help || name === undefined) {
    const topic = name === 'help' ? parsed.positionals[0] : undefined;
    if (name === 'help' && parsed.positionals.length > 1) throw usage('broadsheet help takes one command name');
    if (topic !== undefined) {
      const target = commands.find((c) => c.name === topic);
      if (!target) throw usage(`unknown command "${topic}"${suggestion(closest(topic, commands.map((c) => c.name)))}${HELP}`);
      return { kind: 'help', command: target, format };
    }
    if (name === undefined && !options.help) throw usage(`a command is needed${HELP}`);
    return command ? { kind: 'help', command, format } : { kind: 'help', format };
  }
  if (name === 'completion') {
    const shell = parsed.positionals[0];
    if (shell !== 'bash' && shell !== 'zsh' && shell !== 'fish' || parsed.positionals.length !== 1) throw usage('broadsheet completion needs one of: bash, zsh, fish');
    return { kind: 'completion', shell };
  }
  checkPositionals(command!, parsed.positionals);
  return { kind: 'run', command: command!, positionals: parsed.positionals, options, format, color: env.tty && !env.noColor && options['no-color'] !== true };
}
