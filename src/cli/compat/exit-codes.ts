import type { AnyflashError } from '../../core/errors.js';

const PORT_ERRORS = new Set(['port-not-found', 'port-busy', 'port-permission', 'port-not-tty', 'port-vanished', 'port-write-timeout', 'port-error', 'no-port']);

/**
 * esptool v5's exit codes: 1 for serial port errors (pySerial's exceptions), 2 for every other
 * failure (its FatalError, usage errors, Ctrl-C).
 */
export function esptoolExitCode(e: AnyflashError): number {
  return PORT_ERRORS.has(e.code) ? 1 : 2;
}
