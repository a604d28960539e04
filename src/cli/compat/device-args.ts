import { AnyflashError } from '../../core/errors.js';
import { opt, single, has, type FoundOpt, type OptSpec } from './options.js';

/** What anyflash runs for one foreign command line: commands in order, stopping at the first failure. */
export type Step = { argv: string[] } | { label: string; run: () => number | Promise<number> };

export const BEFORE_MODES = ['default-reset', 'usb-reset', 'no-reset', 'no-reset-no-sync', 'power-cycle'] as const;
export const AFTER_MODES = ['hard-reset', 'soft-reset', 'no-reset', 'no-reset-stub', 'watchdog-reset'] as const;

/** anyflash's own output switches, accepted in every foreign grammar (handy in scripts). */
export const ANYFLASH_EXTRAS: readonly OptSpec[] = [
  opt('json', 0, '--json'),
  opt('jsonEvents', 0, '--json-events'),
  opt('noWait', 0, '--no-wait'),
  opt('noBackup', 0, '--no-backup'),
];

/** Connection settings gathered from any grammar, in anyflash's terms. */
export interface DeviceSettings {
  port?: string;
  baud?: string;
  chip?: string;
  before?: string;
  after?: string;
  noStub?: boolean;
  verbose?: boolean;
  connectAttempts?: string;
  memory?: string;
  stub?: string;
  bootloader?: boolean;
}

/**
 * esptool v4 spells reset modes with `_`, v5 with `-`; both are accepted, anything else is refused
 * with the list. A custom --before sequence (`D0|R1|W0.1|D1`) passes as it is.
 */
export function resetMode(value: string, option: '--before' | '--after'): string {
  const v = value.toLowerCase().replace(/_/g, '-');
  const modes: readonly string[] = option === '--before' ? BEFORE_MODES : AFTER_MODES;
  if (modes.includes(v)) return v;
  if (option === '--before' && /[|]|^[DRUW]/.test(value)) return value;
  throw new AnyflashError('bad-input', `${option} ${value} is not a reset mode anyflash knows.`, {
    advice: [`Use one of: ${modes.join(', ')} (esptool's ${modes.map((m) => m.replace(/-/g, '_')).join(', ')} work too).`],
  });
}

/** `--chip auto` is esptool's "detect it": anyflash detects when --chip is left out. */
function chipArg(chip: string | undefined): string | undefined {
  return chip === undefined || chip.toLowerCase() === 'auto' ? undefined : chip;
}

/** The anyflash options for a device command. */
export function deviceArgs(s: DeviceSettings): string[] {
  const chip = chipArg(s.chip);
  return [
    ...(s.port !== undefined ? ['--port', s.port] : []),
    ...(s.baud !== undefined ? ['--baud', s.baud] : []),
    ...(chip !== undefined ? ['--chip', chip] : []),
    ...(s.before !== undefined ? ['--before', resetMode(s.before, '--before')] : []),
    ...(s.after !== undefined ? ['--after', resetMode(s.after, '--after')] : []),
    ...(s.noStub ? ['--no-stub'] : []),
    ...(s.connectAttempts !== undefined ? ['--connect-attempts', s.connectAttempts] : []),
    ...(s.memory !== undefined ? ['--memory', s.memory] : []),
    ...(s.stub !== undefined ? ['--stub', s.stub] : []),
    ...(s.bootloader ? ['--bootloader'] : []),
    ...(s.verbose ? ['--verbose'] : []),
  ];
}

/** anyflash's own switches found on the line, passed on. */
export function extraArgs(opts: readonly FoundOpt[], device = true): string[] {
  return [
    ...(has(opts, 'json') ? ['--json'] : []),
    ...(has(opts, 'jsonEvents') ? ['--json-events'] : []),
    ...(device && has(opts, 'noWait') ? ['--no-wait'] : []),
    ...(device && has(opts, 'noBackup') ? ['--no-backup'] : []),
  ];
}

/** Settings common to the grammars: port, baud, chip, before/after, stub, attempts. */
export function settingsFrom(opts: readonly FoundOpt[]): DeviceSettings {
  return {
    port: single(opts, 'port'),
    baud: single(opts, 'baud'),
    chip: single(opts, 'chip'),
    before: single(opts, 'before'),
    after: single(opts, 'after'),
    noStub: has(opts, 'noStub'),
    verbose: has(opts, 'verbose'),
    connectAttempts: single(opts, 'connectAttempts'),
  };
}

export function unsupported(what: string, instead?: string): AnyflashError {
  return new AnyflashError('bad-input', `anyflash does not implement ${what}.`, {
    advice: [instead ?? 'Run the original tool for this one; `anyflash --help` lists what anyflash does.'],
  });
}
