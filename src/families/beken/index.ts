/**
 * Beken BK72xx family: BK7231N/BK7238 (BootROM loader) and BK7231T/U/Q, BK7252 (flash
 * bootloaders) over the UART download protocol.
 */
import { AnyflashError, isAnyflashError } from '../../core/errors.js';
import type { ConnectOptions, Family, FlashDevice } from '../types.js';
import { BEKEN_FAMILY, CHIP_NAMES, DEFAULT_BAUD } from './chips.js';
import { detect } from './detect.js';
import { BekenFlashDevice } from './device.js';
import { BekenLink } from './link.js';

export { bekenDigest, BekenFlashDevice } from './device.js';

/** Detection's short attempt: a loader answers the first LinkChecks after its reset, or at once when already in download mode. */
const PROBE_KNOCK_MS = 300;

export const bekenFamily: Family = {
  ...BEKEN_FAMILY,
  async connect(options: ConnectOptions): Promise<FlashDevice> {
    const requested = options.chip && options.chip !== 'beken' ? options.chip : undefined;
    if (requested && !CHIP_NAMES.includes(requested)) {
      throw new AnyflashError('unknown-chip', `"${options.chip}" is not a Beken chip.`, {
        advice: [`Beken chips: ${CHIP_NAMES.join(', ')}.`],
      });
    }
    const extra = options.extra ?? {};
    const link = new BekenLink(options.transport, {
      before: options.before ?? 'default',
      attempts: options.connectAttempts ?? 3,
      wait: options.wait ?? false,
      waitMs: options.waitMs ?? 30000,
      knockMs: options.probe ? PROBE_KNOCK_MS : undefined,
      events: options.events,
      signal: options.signal,
    });
    try {
      const target = options.baud ?? DEFAULT_BAUD;
      await link.connect(target);
      options.onHandshake?.();
      const detection = await detect(link, options.events, requested, options.signal);
      const baud = await link.setWorkingBaud(target);
      options.events({ type: 'connected', family: 'beken', chip: detection.chip.name, strategy: link.strategy, baud });
      return new BekenFlashDevice(link, detection, {
        bootloader: extra.bootloader === true,
        keepProtection: extra.keepProtection === true,
        reprotect: extra.reprotect === true,
        events: options.events,
      });
    } catch (e) {
      if (isAnyflashError(e) && e.family === undefined) {
        throw new AnyflashError(e.code, e.message, { family: 'beken', evidence: e.evidence, advice: e.advice, cause: e });
      }
      throw e;
    }
  },
};
