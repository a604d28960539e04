import type { Command, CommanderError } from 'commander';
import { AnyflashError } from '../core/errors.js';

/**
 * commander's own parse errors (unknown option or command, bad choice, missing argument) in the
 * house format: a code, what happened, and what to do — a suggestion or the valid values.
 */
export function parserError(e: CommanderError, program: Command, argv: readonly string[]): AnyflashError {
  const lines = e.message.split('\n');
  const summary = lines[0]!.replace(/^error:\s*/, '');
  const sentence = summary.charAt(0).toUpperCase() + summary.slice(1) + (/[.?!]$/.test(summary) ? '' : '.');
  const suggestion = /\(Did you mean (.+)\?\)/.exec(e.message)?.[1];
  const command = commandName(program, argv);
  const help = `Run \`anyflash ${command ? command + ' ' : ''}--help\` for ${command ? 'its arguments and options' : 'the commands'}.`;
  let advice: string;
  switch (e.code) {
    case 'commander.unknownCommand':
      advice = suggestion ? `Did you mean ${suggestion}?` : `Commands: ${program.commands.map((c) => c.name()).join(', ')}.`;
      break;
    case 'commander.invalidArgument': {
      const choices = /Allowed choices are (.+?)\.?$/.exec(summary)?.[1];
      advice = choices ? `Use one of: ${choices}.` : help;
      break;
    }
    default:
      advice = suggestion ? `Did you mean ${suggestion}?` : help;
  }
  return new AnyflashError(e.code === 'commander.unknownOption' ? 'unknown-option' : 'bad-input', sentence, { advice: [advice] });
}

/** The subcommand the line names (for the `--help` hint), if any. */
function commandName(program: Command, argv: readonly string[]): string | undefined {
  for (const word of argv) {
    const c = program.commands.find((x) => x.name() === word || x.aliases().includes(word));
    if (c) return c.name();
  }
  return undefined;
}
