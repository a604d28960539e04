import { CommanderError, type Command } from 'commander';
import { Output } from './output.js';
import { parserError } from './parse-errors.js';

export async function runMain(program: Command, argv: string[]): Promise<void> {
  // commander prints `help CMD` without running CMD's preSubcommand hook, which fills in what
  // loads lazily (the simulated chips of `sim`); `CMD --help` runs it.
  const [command, ...rest] = argv.slice(2);
  if (command === 'help' && rest.length > 0 && program.commands.some((c) => c.name() === rest[0] || c.aliases().includes(rest[0]!))) {
    argv = [...argv.slice(0, 2), ...rest, '--help'];
  }
  try {
    await program.parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      // Help and version end with code 0; help shown for a missing command was already printed.
      if (e.exitCode === 0 || e.code === 'commander.help' || e.code === 'commander.helpDisplayed' || e.code === 'commander.version') {
        process.exitCode = e.exitCode === 0 ? 0 : 2;
        return;
      }
      const args = argv.slice(2);
      process.exitCode = new Output({ json: args.includes('--json') }).fail(parserError(e, program, args));
      return;
    }
    throw e;
  }
}
