import { AnyflashError, isLineGlitch } from '../../core/errors.js';
import { hexAddr } from '../../core/bytes.js';
import type { EventSink } from '../../core/events.js';
import type { ConnectOptions, Family, FlashDevice } from '../types.js';
import { ESP_CHIPS, ESP_FAMILY, chipByName, flashSizeFromId, isNoFlashId, type EspChip } from './chips.js';
import { connectLoop } from './connect.js';
import { CHIP_DETECT_MAGIC_REG, detectChip, readChipFacts, readFlashId, type ChipFacts } from './detect.js';
import { EspDevice } from './device.js';
import { EspLoader } from './loader.js';
import { RAM_BLOCK, ROM_FLASH_BLOCK, STUB_FLASH_BLOCK, USB_OTG_BLOCK, opName } from './protocol.js';
import { isUsbOtg } from './reset.js';
import { uploadStub } from './stub.js';

export { EspDevice, md5Digest, type EspWriteOptions } from './device.js';
export { EspLoader } from './loader.js';
export {
  ESP_CHIPS,
  chipById,
  chipByMagic,
  chipByName,
  flashSizeFromId,
  type EspChip,
} from './chips.js';
export {
  parseResetSequence,
  formatResetSequence,
  classicReset,
  unixTightReset,
  usbJtagSerialReset,
  hardReset,
  customReset,
  defaultStrategies,
  runReset,
  type ResetStep,
  type ResetStrategy,
} from './reset.js';
export { strategiesFor } from './connect.js';
export { setStubSource, nodeStubSource, type StubSource, type StubJson } from './stub-source.js';

const DEFAULT_FLASH_SIZE = 4 * 1024 * 1024;
const SECURE_DOWNLOAD_FLAG = 1 << 2;
const BAUD_PROBE_TIMEOUT_MS = 300;
/** Rates to fall back to, highest first, when a raised baud does not work. */
const BAUD_LADDER = [460800, 230400, 115200];

/** Fresh connects after the chip was reached but a later step failed on the line. */
const CONNECT_RESTARTS = 2;

/** A failure after the first sync that a noisy line explains (not a refusal or a missing chip). */
function isAfterLinkGlitch(e: unknown): boolean {
  return !(e instanceof BaudSwitchFailed) && (isLineGlitch(e) || (e instanceof AnyflashError && e.code === 'stub-failed'));
}

/** The link did not carry commands at a raised baud rate: reconnecting lower may work. */
class BaudSwitchFailed extends AnyflashError {}

/**
 * Changes the line rate: the reply comes at the old rate, then both sides switch. A cheap command
 * at the new rate proves the link; if it fails the adapter or cable cannot carry that rate.
 */
async function changeBaud(
  loader: EspLoader,
  chip: EspChip,
  target: number,
  crystalMHz: number | undefined,
  events: EventSink,
  signal?: AbortSignal,
  again = true,
): Promise<void> {
  const transport = loader.transport;
  const old = transport.baud;
  if (target === old) return;
  if (!transport.canSetBaud) {
    events({ type: 'note', level: 'info', message: `The ${transport.kind} link has no baud rate of its own; keeping ${old}.` });
    return;
  }
  let asked = target;
  if (!loader.stub && chip.romBaudScale26MHz && crystalMHz === 26) asked = Math.floor((target * 40) / 26);
  try {
    await loader.changeBaud(asked, loader.stub ? old : 0);
  } catch (e) {
    if (!isLineGlitch(e)) throw e;
    // The request or its reply was damaged on a noisy line: the chip may or may not have switched.
    if (await answersAt(loader, target, signal)) {
      events({ type: 'note', level: 'info', message: `Changed baud rate to ${target}.` });
      return;
    }
    if (!again || !(await answersAt(loader, old, signal))) throw e;
    return changeBaud(loader, chip, target, crystalMHz, events, signal, false);
  }
  await transport.setBaud(target);
  await loader.settle(50, signal);
  for (let attempt = 0; ; attempt++) {
    try {
      await loader.readReg(CHIP_DETECT_MAGIC_REG, { timeoutMs: BAUD_PROBE_TIMEOUT_MS, signal });
      break;
    } catch (e) {
      // Any well-formed answer, even a refusal (Secure Download Mode), proves the link works.
      if (e instanceof AnyflashError && (e.code === 'unsupported' || e.code === 'device-error')) break;
      if (!(e instanceof AnyflashError) || e.code === 'aborted' || e.code.startsWith('port-')) throw e;
      if (attempt >= 1) {
        throw new BaudSwitchFailed('timeout', `Commands fail after switching to ${target} baud.`, {
          family: 'esp',
          chip: chip.name,
          cause: e,
          advice: [`Use a lower --baud (e.g. ${BAUD_LADDER.find((b) => b < target) ?? 115200}), a shorter cable or another USB-serial adapter.`],
        });
      }
      await loader.reader.flush();
    }
  }
  events({ type: 'note', level: 'info', message: `Changed baud rate to ${target}.` });
}

/** Whether the chip answers a cheap command with the port at `baud`. */
async function answersAt(loader: EspLoader, baud: number, signal?: AbortSignal): Promise<boolean> {
  await loader.transport.setBaud(baud);
  await loader.settle(50, signal);
  try {
    await loader.readReg(CHIP_DETECT_MAGIC_REG, { timeoutMs: BAUD_PROBE_TIMEOUT_MS, signal });
    return true;
  } catch (e) {
    if (!(e instanceof AnyflashError) || e.code === 'aborted' || e.code.startsWith('port-')) throw e;
    return false;
  }
}

/** Flash size from the JEDEC id; 0 when no flash answers, 4 MB when unknown (as esptool). */
function flashSizeFor(flashId: number | undefined, events: EventSink): number {
  if (flashId === undefined) return DEFAULT_FLASH_SIZE;
  if (isNoFlashId(flashId)) {
    events({
      type: 'note',
      level: 'warn',
      code: 'flash-not-found',
      message: `The flash chip does not answer (id ${flashId.toString(16).padStart(6, '0')}): check its power and wiring.`,
    });
    return 0;
  }
  const size = flashSizeFromId(flashId);
  if (size !== undefined) return size;
  events({ type: 'note', level: 'warn', message: `Unknown flash size code in id ${hexAddr(flashId)}; assuming 4 MB.` });
  return DEFAULT_FLASH_SIZE;
}

/**
 * Connects; when the requested baud turns out not to work, resets and reconnects at the next lower
 * rate of the ladder (needs a reset, so not over links without modem lines).
 */
async function connect(options: ConnectOptions): Promise<FlashDevice> {
  const initialBaud = options.transport.baud;
  let baud = options.baud;
  let restarts = 0;
  // Whether the ROM answered SYNC: a line glitch before that is no reason to start over (the
  // bytes may be another family's chip talking at its own baud).
  let reached = false;
  const onHandshake = (): void => {
    reached = true;
    options.onHandshake?.();
  };
  for (;;) {
    try {
      return await connectAt({ ...options, baud, onHandshake }, initialBaud);
    } catch (e) {
      const canRetry = options.transport.canSignal && !/^no-reset/.test(options.before?.replace(/_/g, '-') ?? '');
      if (canRetry && reached && isAfterLinkGlitch(e) && restarts++ < CONNECT_RESTARTS) {
        // A noisy line can damage a request into another command (a baud change, a jump) and leave
        // the ROM deaf: a reset brings it back to a known state.
        options.events({ type: 'recover', what: 'connect', detail: `${(e as Error).message} Resetting the chip and connecting again.` });
        await options.transport.setBaud(initialBaud);
        continue;
      }
      const lower = BAUD_LADDER.find((b) => baud !== undefined && b < baud && b >= initialBaud);
      if (!(e instanceof BaudSwitchFailed) || lower === undefined || !canRetry) throw e;
      options.events({ type: 'recover', what: 'baud', detail: `${baud} baud failed; reconnecting at ${lower}.` });
      await options.transport.setBaud(initialBaud);
      baud = lower;
    }
  }
}

async function connectAt(options: ConnectOptions, initialBaud: number): Promise<FlashDevice> {
  const { transport, events, signal } = options;
  let wanted: EspChip | undefined;
  if (options.chip && options.chip.toLowerCase() !== 'esp' && options.chip.toLowerCase() !== 'auto') {
    wanted = chipByName(options.chip);
    if (!wanted) {
      throw new AnyflashError('unknown-chip', `Unknown ESP chip "${options.chip}".`, {
        family: 'esp',
        advice: [`Known chips: ${ESP_CHIPS.map((c) => c.name).join(', ')}.`],
      });
    }
  }
  const loader = new EspLoader(transport);
  loader.onRepeat = (op, attempt, cause) => events({ type: 'retry', op: 'connect', attempt, cause: `${opName(op)} sent again: ${cause}` });
  const link = await connectLoop(loader, {
    transport,
    before: options.before,
    connectAttempts: options.connectAttempts,
    wait: options.wait,
    waitMs: options.waitMs,
    events,
    signal,
    target: wanted?.description,
    probe: options.probe,
  });
  options.onHandshake?.();
  if (link.stubRunning) {
    loader.stub = true;
    loader.statusLen = 2;
  }
  const detection = await detectChip(loader, wanted);
  const chip = detection.chip;
  loader.chipName = chip.description;
  if (loader.statusLen === 2 && !loader.stub && chip.romStatusLen === 4) {
    // Learnt from a reply without SYNC (no-reset-no-sync): a 2-byte status on an ESP32+ means the stub.
    loader.stub = true;
  }
  // Secure Download Mode allows only a handful of commands: no READ_REG, no stub, no MD5.
  const secureDownload = detection.secureDownload || ((detection.security?.flags ?? 0) & SECURE_DOWNLOAD_FLAG) !== 0;
  if (secureDownload) {
    events({
      type: 'note',
      level: 'warn',
      code: 'secure-download-mode',
      message: `${chip.description} is in Secure Download Mode: no flasher stub, no eFuse reads, no flash digests.`,
    });
  }
  const facts: ChipFacts = secureDownload ? { description: chip.description } : await readChipFacts(loader, chip, transport.baud);

  const wantStub = !options.noStub && !secureDownload && chip.stub !== null;
  if (!options.noStub && chip.stub === null) {
    events({ type: 'note', level: 'info', message: `No flasher stub is published for the ${chip.description}: using the ROM loader.` });
  }
  const usbOtg = isUsbOtg(transport, chip.chipId);
  if (options.noStub && loader.stub) {
    events({ type: 'note', level: 'warn', message: 'A flasher stub is already running; using it although --no-stub was given.' });
  }
  // A ROM that changes baud and attaches the flash itself reads every fact `info` shows: the stub
  // (only faster flash transfers) waits for the first flash operation, and `info` never pays for it.
  const deferStub = wantStub && !loader.stub && chip.romChangeBaud && chip.romSpiAttach;
  const stub = (): Promise<void> => uploadStub(loader, chip, facts.revision, events, signal, usbOtg ? USB_OTG_BLOCK : RAM_BLOCK);
  if (wantStub && !loader.stub && !deferStub) {
    // Raising the baud first makes the stub upload itself fast (not possible on the ESP8266 ROM).
    if (options.baud && chip.romChangeBaud) await changeBaud(loader, chip, options.baud, facts.crystalMHz, events, signal);
    await stub();
  } else if (link.stubRunning) {
    events({ type: 'note', level: 'info', message: 'Flasher stub is already running; skipping the upload.' });
  }
  if (options.baud && transport.baud !== options.baud && (loader.stub || chip.romChangeBaud)) {
    await changeBaud(loader, chip, options.baud, facts.crystalMHz, events, signal);
  }

  // Flash access: SPI_ATTACH where supported; the ESP8266 ROM attaches on FLASH_BEGIN(0, 0).
  if (loader.stub || chip.romSpiAttach) await loader.spiAttach(0);
  else await loader.flashBegin([0, 0, ROM_FLASH_BLOCK, 0], 3000, signal);

  const flashId = secureDownload ? undefined : await readFlashId(loader, chip);
  const flashSize = flashSizeFor(flashId, events);
  if (flashSize > 0 && (loader.stub || chip.romSpiAttach)) await loader.spiSetParams(flashSize);

  const device = new EspDevice(loader, {
    chip,
    description: facts.description,
    revision: facts.revision,
    mac: facts.mac,
    crystalMHz: facts.crystalMHz,
    flashId,
    flashSize,
    security: detection.security,
    strategy: link.strategy,
    uncompressed: options.extra?.uncompressed === true,
    stubBlock: usbOtg ? USB_OTG_BLOCK : STUB_FLASH_BLOCK,
    initialBaud,
    // The stub keeps the UART rate the ROM set; the flash is attached again through the stub, as esptool attaches it after loading.
    loadStub: deferStub
      ? async () => {
          await stub();
          await loader.spiAttach(0);
          if (flashSize > 0) await loader.spiSetParams(flashSize);
        }
      : undefined,
    events,
  });
  events({ type: 'connected', family: 'esp', chip: chip.name, strategy: link.strategy, baud: transport.baud });
  return device;
}

export const espFamily: Family = { ...ESP_FAMILY, connect };
