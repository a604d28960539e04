import type { Command, Option } from 'commander';
import { BAUD_STEPS } from '../../engine/reboot-evidence.js';
import { FAMILIES } from '../../families/index.js';
import { simChips } from '../../sim/registry.js';

/** What a shell offers for an option's value. */
export type ValueKind = 'none' | 'choices' | 'port' | 'file';

export interface CompletionOption {
  /** `-p`, `--port`: every spelling the option answers to. */
  flags: string[];
  description: string;
  kind: ValueKind;
  /** The values to offer: choices, known chips, usual baud rates. */
  values: string[];
}

export interface CompletionCommand {
  /** Name and aliases. */
  names: string[];
  /** Names from the program down to this command (the program itself has an empty path). */
  path: string[];
  description: string;
  options: CompletionOption[];
  subcommands: CompletionCommand[];
  /** Takes positional arguments (files, addresses, names): the shell falls back to file names. */
  takesArguments: boolean;
  /** The allowed values of its positional arguments, when commander knows them (`completions <shell>`). */
  argumentChoices: Array<{ value: string; description: string }>;
}

/** Values for options commander knows only as free text, by the option's name. */
function hintedValues(attribute: string): string[] | undefined {
  if (attribute === 'chip') return [...new Set(FAMILIES.flatMap((f) => [f.name, ...f.chips]))];
  if (attribute === 'baud') return [...BAUD_STEPS].sort((a, b) => a - b).map(String);
  if (attribute === 'before') return ['default-reset', 'no-reset', 'no-reset-no-sync', 'usb-reset', 'power-cycle'];
  return undefined;
}

function describeOption(o: Option): CompletionOption {
  const flags = [o.short, o.long].filter((f): f is string => Boolean(f));
  const takesValue = o.required || o.optional;
  const description = o.description.replace(/\s+/g, ' ');
  if (!takesValue) return { flags, description, kind: 'none', values: [] };
  if (o.argChoices) return { flags, description, kind: 'choices', values: [...o.argChoices] };
  const attribute = o.attributeName();
  if (attribute === 'port') return { flags, description, kind: 'port', values: simChips().map((c) => `sim:${c}`) };
  const hinted = hintedValues(attribute);
  return hinted ? { flags, description, kind: 'choices', values: hinted } : { flags, description, kind: 'file', values: [] };
}

/** The command tree as the shells need it: every visible command, alias, option and choice. */
export function completionTree(cmd: Command, parent: string[] = []): CompletionCommand {
  const help = cmd.createHelp();
  const path = cmd.parent ? [...parent, cmd.name()] : [];
  return {
    names: [cmd.name(), ...cmd.aliases()],
    path,
    description: cmd.description().split('\n')[0]!,
    options: help.visibleOptions(cmd).map(describeOption),
    subcommands: help
      .visibleCommands(cmd)
      .filter((c) => c.name() !== 'help')
      .map((c) => completionTree(c, path)),
    takesArguments: cmd.registeredArguments.length > 0,
    argumentChoices: cmd.registeredArguments.flatMap((a) => (a.argChoices ?? []).map((value) => ({ value, description: a.description }))),
  };
}

/** Every command in the tree, the program first. */
export function allCommands(root: CompletionCommand): CompletionCommand[] {
  return [root, ...root.subcommands.flatMap(allCommands)];
}

/** The words that may follow a command: its subcommands (and aliases) and its arguments' choices. */
export function nextWords(cmd: CompletionCommand): Array<{ value: string; description: string }> {
  return [...cmd.subcommands.flatMap((s) => s.names.map((value) => ({ value, description: s.description }))), ...cmd.argumentChoices];
}

/** Takes file names: positional arguments without known choices and no subcommands. */
export function takesFiles(cmd: CompletionCommand): boolean {
  return cmd.takesArguments && cmd.subcommands.length === 0 && cmd.argumentChoices.length === 0;
}

/** Options of a command that take a value (their next word is not a command or a file argument). */
export function valueFlags(cmd: CompletionCommand): string[] {
  return cmd.options.filter((o) => o.kind !== 'none').flatMap((o) => o.flags);
}
