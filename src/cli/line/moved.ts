import { AnyflashError } from '../../core/errors.js';

/**
 * Why a station stops a job whose board was unplugged mid-write and is back on another port: the
 * job there resumes it, so the old job's end is a move, not a failure (no FAIL row, no "run the
 * same command again").
 */
export class DeviceMoved extends AnyflashError {
  constructor(
    readonly from: string,
    readonly to: string,
  ) {
    super('port-vanished', `${from} was unplugged; the device is back on ${to} and resumes there.`, {
      advice: ['Nothing to do: the station goes on with it there and records it once.'],
    });
  }
}

/** The new port when `reason` (a job's abort reason) says its board moved. */
export function movedTo(reason: unknown): string | undefined {
  return reason instanceof DeviceMoved ? reason.to : undefined;
}
