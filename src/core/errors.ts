/**
 * One vocabulary of stable error/cause codes, shared by our own failures, `doctor` and `explain`.
 * Every code is documented in docs/errors.md. Front ends render `summary` + `advice`; the library
 * never prints.
 */
export const ErrorCodes = {
  // Input (exit code 2, nothing sent to the device)
  'bad-input': 'The command line or an input file is invalid.',
  'bad-number': 'A number could not be parsed.',
  'file-not-found': 'An input file does not exist.',
  'file-unreadable': 'An input file could not be read.',
  'file-empty': 'An input file is empty.',
  'file-too-large': 'The data does not fit in the flash.',
  'regions-overlap': 'Two input regions overlap.',
  'misaligned-address': 'An address is not aligned as the protocol requires.',
  'unknown-chip': 'The chip name is not known.',
  'wrong-chip-image': 'The image was built for another chip.',
  'bootloader-guard': 'The write would overwrite the bootloader region.',
  'unknown-option': 'An option is not known.',
  // Ports
  'port-not-found': 'The serial port does not exist.',
  'port-busy': 'Another program holds the serial port.',
  'port-permission': 'No permission to open the serial port.',
  'port-not-tty': 'The path is not a serial port.',
  'port-vanished': 'The serial port disappeared (USB re-enumeration or unplug).',
  'port-write-timeout': 'The host could not write to the port in time.',
  'port-error': 'The operating system reported a serial port error.',
  'no-port': 'No serial port was given and none could be chosen.',
  // Connecting
  'no-response': 'The device sent nothing back.',
  'wrong-boot-mode': 'The chip booted its firmware instead of the download mode.',
  'firmware-owns-uart': 'A running firmware is talking on the serial line.',
  'no-sync-reply': 'Download mode was reached but the chip does not answer commands.',
  'baud-mismatch': 'Readable text was seen only at another baud rate.',
  'echo-loopback': 'Our own bytes come back: RX and TX are shorted or looped.',
  'jtag-channel': 'This is a JTAG channel of a dual-channel adapter, not its UART.',
  'usb-jtag-stuck': 'The USB-Serial/JTAG chip is stuck after a core reset.',
  'secure-download-mode': 'The chip is in Secure Download Mode.',
  'brownout-suspected': 'The chip resets under load: the supply is too weak.',
  'unknown-device': 'The device answered, but not as any supported chip.',
  'boot-window-missed': 'The bootloader listens only briefly after reset and was not caught.',
  // Operations
  timeout: 'The device did not answer in time.',
  'garbled-reply': 'A reply from the device was corrupted.',
  'device-error': 'The device reported an error.',
  'device-rebooted': 'The device rebooted during the operation.',
  'verify-mismatch': 'Flash contents differ from the image after writing.',
  'nothing-written': 'The written region reads back empty (all 0xFF).',
  'flash-not-found': 'The flash chip does not answer (id 000000/FFFFFF).',
  'flash-protected': 'The flash is write-protected.',
  'stub-failed': 'The flasher stub did not start.',
  'stub-missing': 'No flasher stub is available for this chip.',
  unsupported: 'The operation is not supported in this mode.',
  aborted: 'The operation was stopped.',
  'recovery-exhausted': 'Automatic recovery gave up.',
  internal: 'An internal error occurred.',
  'flash-fault': 'The flash fails at the same address every time: a faulty or worn flash chip.',
  // Production line
  'device-data-missing': 'The per-device data (--device-data) has nothing for this device.',
  'device-data-exhausted': 'Every row of the per-device data CSV is taken by another device.',
  // Limits of other flashers, named by `explain` (anyflash itself does not raise these).
  'compressed-write-timeout': "The other tool timed out writing a very compressible image (esptool's compressed-write timeout).",
  'chip-unsupported-by-tool': 'The other tool, or this version of it, does not support the connected chip.',
  'tool-outdated': "A known bug of the other tool's version, fixed in a newer release.",
} as const;

export type ErrorCode = keyof typeof ErrorCodes;

/** Codes that mean "the user's input is wrong": CLI exits 2 and nothing touched the device. */
export const INPUT_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'bad-input', 'bad-number', 'file-not-found', 'file-unreadable', 'file-empty', 'file-too-large',
  'regions-overlap', 'misaligned-address', 'unknown-chip', 'wrong-chip-image', 'bootloader-guard',
  'unknown-option', 'port-not-tty',
]);

export interface ErrorDetails {
  family?: string;
  chip?: string;
  address?: number;
  file?: string;
  /** One or more steps that fix it, most likely first. */
  advice?: string[];
  /** Short facts that support the diagnosis (bytes seen, boot text, OS error). */
  evidence?: string[];
  cause?: unknown;
}

export class AnyflashError extends Error {
  override readonly name = 'AnyflashError';
  readonly code: ErrorCode;
  readonly family?: string;
  readonly chip?: string;
  readonly address?: number;
  readonly file?: string;
  readonly advice: string[];
  readonly evidence: string[];

  constructor(code: ErrorCode, message: string, details: ErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    this.family = details.family;
    this.chip = details.chip;
    this.address = details.address;
    this.file = details.file;
    this.advice = details.advice ?? [];
    this.evidence = details.evidence ?? [];
  }

  get isInputError(): boolean {
    return INPUT_CODES.has(this.code);
  }

  toJSON(): Record<string, unknown> {
    return {
      code: this.code,
      summary: this.message,
      advice: this.advice,
      evidence: this.evidence,
      ...(this.family ? { family: this.family } : {}),
      ...(this.chip ? { chip: this.chip } : {}),
      ...(this.address !== undefined ? { address: this.address } : {}),
      ...(this.file ? { file: this.file } : {}),
    };
  }
}

/**
 * Brand check rather than plain `instanceof`: a second copy of this module (bundles, loaders that
 * instantiate a module twice) makes errors that are AnyflashErrors in all but prototype.
 */
/** Failures a noisy or lossy line causes (a lost or damaged exchange), as opposed to the chip refusing the command. */
export function isLineGlitch(e: unknown): boolean {
  return isAnyflashError(e, 'timeout') || isAnyflashError(e, 'garbled-reply');
}

export function isAnyflashError(e: unknown, code?: ErrorCode): e is AnyflashError {
  const branded =
    e instanceof AnyflashError ||
    (e instanceof Error && e.name === 'AnyflashError' && typeof (e as { code?: unknown }).code === 'string' && Array.isArray((e as { advice?: unknown }).advice));
  return branded && (code === undefined || (e as AnyflashError).code === code);
}

/** Wraps anything thrown into an AnyflashError, keeping AnyflashErrors as they are. */
export function toAnyflashError(e: unknown, fallback: ErrorCode = 'internal'): AnyflashError {
  if (isAnyflashError(e)) return e;
  if (e instanceof Error && e.name === 'AbortError') return new AnyflashError('aborted', 'Stopped by the user.', { cause: e });
  const message = e instanceof Error ? e.message : String(e);
  return new AnyflashError(fallback, message, { cause: e });
}
