import { toAnyflashError } from '../../core/errors.js';
import { Output, setExitCodePolicy } from '../output.js';
import { buildProgram } from '../program.js';
import { runMain } from '../run.js';
import { expandArgfiles } from './argfile.js';
import { esptoolExitCode } from './exit-codes.js';
import { translate, type Tool } from './translate.js';

/**
 * Runs one command line in any grammar anyflash reads: expands `@argfiles`, translates, then runs
 * each resulting anyflash command in this process (an in-process `sim:` chip stays the same chip
 * across them), stopping at the first failure. Returns the exit code.
 */
export async function runCommandLine(args: readonly string[], forced?: Tool): Promise<number> {
  // Named as esptool (`anyflash esptool …`, `anyflash-esptool`): esptool's exit codes too.
  const named = forced ?? (/^esptool(\.py)?$/i.test(args[0] ?? '') ? 'esptool' : undefined);
  if (named === 'esptool') setExitCodePolicy(esptoolExitCode);
  let steps;
  try {
    const program = buildProgram();
    const nativeCommands = program.commands.flatMap((c) => [c.name(), ...c.aliases()]);
    steps = translate(expandArgfiles(args), forced, nativeCommands).steps;
  } catch (e) {
    return new Output({ json: args.includes('--json') }).fail(toAnyflashError(e));
  }
  const verbose = args.includes('--verbose') || args.includes('-v') || args.includes('--trace');
  for (const step of steps) {
    process.exitCode = undefined;
    if ('run' in step) {
      const code = await step.run();
      if (code !== 0) return code;
      continue;
    }
    if (verbose && (forced || steps.length > 1 || step.argv.join(' ') !== args.join(' '))) process.stderr.write(`anyflash ${step.argv.join(' ')}\n`);
    await runMain(buildProgram(), ['node', 'anyflash', ...step.argv]);
    const code = Number(process.exitCode ?? 0);
    if (code !== 0) return code;
  }
  return 0;
}
