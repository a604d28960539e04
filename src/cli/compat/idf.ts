import { AnyflashError } from '../../core/errors.js';
import { ANYFLASH_EXTRAS, deviceArgs, extraArgs, unsupported, type Step } from './device-args.js';
import { closest, commandKey, has, opt, scanArgs, single, type OptSpec } from './options.js';

/** idf.py's options that matter for flashing (the rest of its build options are refused by name). */
const IDF_OPTIONS: readonly OptSpec[] = [
  opt('port', 1, '-p', '--port'),
  opt('baud', 1, '-b', '--baud'),
  opt('projectDir', 1, '-C', '--project-dir'),
  opt('buildDir', 1, '-B', '--build-dir'),
  opt('verbose', 0, '-v', '--verbose'),
  opt('ignored', 0, '--no-ccache', '--ccache', '-n', '--no-hints'),
  opt('help', 0, '-h', '--help'),
];

const ACTIONS = ['flash', 'app-flash', 'bootloader-flash', 'partition-table-flash', 'erase-flash', 'monitor'];

/**
 * `idf.py [-p PORT] [-b BAUD] [-C DIR] [-B BUILD] flash [monitor]`: anyflash writes the build
 * idf.py made (flasher_args.json); it does not build.
 */
export function translateIdfPy(tokens: readonly string[]): Step[] {
  const { opts, positionals } = scanArgs(tokens, [IDF_OPTIONS, ANYFLASH_EXTRAS], 'idf.py');
  if (has(opts, 'help')) return [{ argv: ['flash-project', '--help'] }];
  const actions = positionals.map(commandKey);
  if (actions.length === 0) throw new AnyflashError('bad-input', 'No idf.py action given.', { advice: ['anyflash runs idf.py flash, app-flash, erase-flash and monitor.'] });
  for (const [i, a] of actions.entries()) {
    if (a === 'build' || a === 'all') throw unsupported('building (idf.py build)', 'Build with idf.py build, then run: anyflash idf.py flash');
    if (!ACTIONS.includes(a)) {
      const near = closest(a, ACTIONS);
      throw new AnyflashError('bad-input', `anyflash does not run idf.py ${positionals[i]}.`, {
        advice: [near ? `Did you mean ${near}?` : `Actions anyflash runs: ${ACTIONS.join(', ')}.`],
      });
    }
  }
  const build = single(opts, 'buildDir') ?? single(opts, 'projectDir') ?? '.';
  const dev = [...deviceArgs({ port: single(opts, 'port'), baud: single(opts, 'baud'), verbose: has(opts, 'verbose') }), ...extraArgs(opts)];
  const port = single(opts, 'port');
  const steps: Step[] = [];
  const monitor = actions.includes('monitor');
  if (actions.includes('erase-flash')) steps.push({ argv: ['erase', ...dev] });
  const flashes = actions.filter((a) => a.endsWith('flash') && a !== 'erase-flash');
  if (flashes.length > 0) {
    if (flashes.some((a) => a !== 'flash')) throw unsupported(`idf.py ${flashes.join(' ')}`, 'anyflash idf.py flash writes the whole build; unchanged parts are skipped anyway.');
    steps.push({ argv: ['flash-project', build, ...(monitor ? ['--monitor'] : []), ...dev] });
  } else if (monitor) {
    steps.push({ argv: ['monitor', ...(port ? ['--port', port] : []), '--elf', build] });
  }
  return steps;
}
