import { bootButton, bootFamilyOf, bootStrapPin, manualBootEntry, otherStraps, type BootContext } from '../core/boot-entry.js';
import { ErrorCodes, type ErrorCode } from '../core/errors.js';

export interface Advice {
  /** One line: what happened. */
  summary: string;
  /** What to do, most likely fix first. */
  advice: readonly string[];
  /** What observation would confirm this cause rather than its neighbours. */
  confirm: string;
}

/**
 * The advice vocabulary: one entry per stable code. Our own failures, `doctor` and `explain` all
 * render from here, so the same problem always gets the same words.
 */
export const ADVICE: Readonly<Record<ErrorCode, Advice>> = {
  'bad-input': {
    summary: 'The command line or an input file is invalid.',
    advice: ['Read the message: it names the argument or file that is wrong.', 'Run the command with --help to see the accepted forms.'],
    confirm: 'Nothing was sent to the device; the message names the bad argument.',
  },
  'bad-number': {
    summary: 'A number (address, size or baud) could not be parsed.',
    advice: ['Write addresses and sizes as decimal or 0x-prefixed hex (0x10000), sizes optionally with K/M suffixes.'],
    confirm: 'The message quotes the text that is not a number.',
  },
  'file-not-found': {
    summary: 'An input file does not exist.',
    advice: ['Check the path (relative paths are taken from the current directory).', 'Build the firmware first if the file is a build output.'],
    confirm: 'The named path does not exist on disk.',
  },
  'file-unreadable': {
    summary: 'An input file could not be read.',
    advice: ['Check the file permissions and that it is not a directory.'],
    confirm: 'The file exists but opening it fails.',
  },
  'file-empty': {
    summary: 'An input file is empty.',
    advice: ['Rebuild or re-download the image; a 0-byte file usually means an interrupted build or download.'],
    confirm: 'The file size is 0 bytes.',
  },
  'file-too-large': {
    summary: 'The data does not fit in the flash.',
    advice: ['Check the address: the file plus its address must end inside the flash size.', 'Check --chip and the flash size the device reports.'],
    confirm: 'address + file size is larger than the flash size.',
  },
  'regions-overlap': {
    summary: 'Two input regions overlap.',
    advice: ['Check the addresses: each file must start after the previous one ends.', 'For ESP-IDF builds use the offsets from flash_args / the partition table.'],
    confirm: 'The message names the two overlapping regions.',
  },
  'misaligned-address': {
    summary: 'An address is not aligned as the protocol requires.',
    advice: ['Use an address that is a multiple of the sector size (0x1000 = 4 KiB).'],
    confirm: 'The address is not a multiple of the sector size.',
  },
  'unknown-chip': {
    summary: 'The chip name is not known, or the connected chip is not the one named.',
    advice: [
      'Select the chip that is actually connected: the board in the IDE (Arduino: Tools > Board; PlatformIO: board = in platformio.ini) or --chip; or leave --chip out so the chip is detected.',
      'If the tool says the chip differs from --chip, the project targets another chip than the board has: build it for the connected chip.',
    ],
    confirm: 'The detected chip differs from --chip, or the name is not in the chip list.',
  },
  'wrong-chip-image': {
    summary: 'The image was built for another chip.',
    advice: ['Use an image built for the connected chip: pick that build of the firmware, or set the target (`idf.py set-target <chip>`) and build again.', 'Check that you picked the right file for this board.'],
    confirm: 'The chip id in the image header differs from the detected chip.',
  },
  'bootloader-guard': {
    summary: 'The write would overwrite the bootloader region.',
    advice: ['Write the application at its own offset (BK7231T/U: 0x11000) instead of 0.', 'Only if you have a way to recover over SPI, pass the flag that allows writing the bootloader.'],
    confirm: 'The write starts below the protected bootloader boundary.',
  },
  'unknown-option': {
    summary: 'An option is not known.',
    advice: ['Run the command with --help; anyflash uses esptool-style names (--port, --chip, --baud, --before, --after, --no-stub).'],
    confirm: 'The message names the unknown option.',
  },
  'port-not-found': {
    summary: 'The serial port does not exist.',
    advice: [
      'Plug the board in and check the port name (`anyflash list`); USB ports get new names when re-plugged. If no port appears at all, use a data cable (not a charge-only one) and install the USB-serial driver (CP210x, CH34x, FTDI).',
      'Try another USB port of the computer, without a hub.',
    ],
    confirm: 'The port is missing from `anyflash list`.',
  },
  'port-busy': {
    summary: 'Another program holds the serial port.',
    advice: [
      'Close serial monitors, IDEs (Arduino, PlatformIO, VS Code), terminal programs and other flashers using the port.',
      'On Linux, `fuser /dev/ttyUSB0` or `anyflash list` names the process; ModemManager can grab ttyACM ports.',
      'Unplug and re-plug the board if no program is left holding it.',
    ],
    confirm: 'The error appears when opening the port, before any byte is exchanged.',
  },
  'port-permission': {
    summary: 'No permission to open the serial port.',
    advice: [
      'Linux: add yourself to the group that owns the port (`sudo usermod -aG dialout $USER`, `uucp` on Arch), then log out and in.',
      'Or install a udev rule for the adapter.',
    ],
    confirm: '`ls -l` on the port shows a group you are not in.',
  },
  'port-not-tty': {
    summary: 'The path is not a serial port.',
    advice: ['Give the serial device (/dev/ttyUSB0, /dev/ttyACM0, COM3) or a tcp:// / rfc2217:// URL.', 'Pseudo-terminals and sockets cannot drive DTR/RTS: reset the chip into download mode by hand.'],
    confirm: 'The path is a file, socket or pty rather than a serial device.',
  },
  'port-vanished': {
    summary: 'The serial port disappeared mid-operation (USB re-enumeration or unplug).',
    advice: [
      'Use a short, good USB cable and plug the board directly into the computer, not through a hub.',
      'Do not power the target from the adapter\'s 3.3 V pin if it draws Wi-Fi current; a sagging supply resets the USB bridge too.',
      'Do not short or power-cycle the target while the adapter is connected to it.',
      'Run the command again; anyflash reopens the port and resumes where it stopped.',
    ],
    confirm: 'The OS reports the device gone (Windows: "A device which does not exist was specified", Linux: I/O error) and it re-appears with a new or same name.',
  },
  'port-write-timeout': {
    summary: 'The host could not write to the port in time.',
    advice: [
      'Lower the baud rate (--baud 115200 or 460800).',
      'Update or change the USB-serial driver; USB-CDC ports on Windows are known to stall.',
      'Try another USB port or cable, without a hub.',
    ],
    confirm: 'A write timeout (SerialTimeoutException) rather than a read timeout.',
  },
  'port-error': {
    summary: 'The operating system reported a serial port error.',
    advice: [
      'Install or update the USB-serial driver for the adapter (CP210x, CH340/CH341, FTDI; Windows: check it in Device Manager), then unplug and re-plug it.',
      'Try another USB port, cable or adapter.',
    ],
    confirm: 'An OS-level error text without a clearer cause.',
  },
  'no-port': {
    summary: 'No serial port was given and none could be chosen.',
    advice: [
      'Pass --port (see `anyflash list` for the candidates), or pick the port in the IDE (Arduino: Tools > Port; PlatformIO: upload_port).',
      'Plug the board in; if no port appears, check the cable and driver.',
    ],
    confirm: '`anyflash list` shows zero or several plausible ports.',
  },
  'no-response': {
    summary: 'The device sent nothing back.',
    advice: [
      manualBootEntry(),
      'Check the wiring: adapter TX to chip RX, adapter RX to chip TX, common GND; swap TX/RX if unsure.',
      'Check that the board is powered and the right port is selected (`anyflash list`).',
      'Run `anyflash doctor --port <port>` to test the line and the reset circuit step by step.',
    ],
    confirm: 'Not a single byte came back (no boot log, no garbage) on any reset attempt.',
  },
  'wrong-boot-mode': {
    summary: 'The chip booted its firmware instead of the download mode.',
    advice: [
      wrongBootEntry(),
      manualBootEntry(),
      'If the board has no auto-reset circuit (DTR→IO0, RTS→EN), that manual sequence is needed every time.',
    ],
    confirm: 'The boot log shows boot:0x13 / SPI_FAST_FLASH_BOOT (firmware) and no "waiting for download".',
  },
  'firmware-owns-uart': {
    summary: 'A running firmware is talking on the serial line instead of the bootloader.',
    advice: [
      'Enter download mode by hand (hold BOOT, tap RESET, release BOOT; SiFli: power-cycle and connect within 2 s).',
      'If the firmware crashes in a loop (Guru Meditation), erase it once the bootloader answers.',
      'Beken: use the download UART (TX1/RX1, P11/P10), not the log UART (TX2/RX2).',
    ],
    confirm: 'Readable application text or a crash dump arrives where protocol replies should be.',
  },
  'no-sync-reply': {
    summary: 'Download mode was reached but the chip does not answer commands.',
    advice: [
      'The host-to-chip direction is broken: check the wire from adapter TX to chip RX and its solder joint.',
      'Remove anything else driving the chip\'s RX line (a second adapter, a USB bridge on the board).',
      'Lower the baud rate.',
    ],
    confirm: 'The chip printed "waiting for download" (or its handshake) yet ignores every command.',
  },
  'baud-mismatch': {
    summary: 'The link does not work at this baud rate.',
    advice: [
      'Use a lower baud (--baud 115200 or 460800); some adapters (CP2102 at 921600) and long wires cannot do more.',
      'Shorten the wires and check the common ground.',
    ],
    confirm: 'It works at a lower baud, or text is readable only at another baud (74880 ESP8266 boot log, 1 Mbaud SiFli console).',
  },
  'echo-loopback': {
    summary: 'Our own bytes come back: RX and TX are shorted or looped.',
    advice: ['Check the adapter jumpers and wiring; TX and RX must not be connected to each other.', 'Make sure the chip side is connected at all.'],
    confirm: 'Every byte sent is received unchanged.',
  },
  'jtag-channel': {
    summary: 'This is the JTAG channel of a dual-channel adapter, not its UART.',
    advice: ['Use the adapter\'s other port: on an ESP-Prog / FT2232 the UART is interface 1 (the second, higher-numbered port).'],
    confirm: 'The port is interface 0 of an FT2232-class adapter.',
  },
  'usb-jtag-stuck': {
    summary: 'The USB-Serial/JTAG chip is stuck after a core reset.',
    advice: ['Power-cycle the board (unplug USB).', 'Use --after watchdog-reset so the chip leaves download mode with a full system reset.'],
    confirm: 'The chip stays in download mode after a hard reset over USB-Serial/JTAG (303a:1001).',
  },
  'secure-download-mode': {
    summary: 'The chip is in Secure Download Mode: only plain writes are allowed.',
    advice: [
      'The chip is in Secure Download Mode: use --no-stub and only write commands; reading flash, erasing regions and the stub are refused by the ROM.',
      'Secure Download Mode is set by an eFuse and cannot be turned off.',
    ],
    confirm: 'The tool reports Secure Download Mode or the ROM rejects READ_REG / stub upload.',
  },
  'brownout-suspected': {
    summary: 'The chip resets or stops answering under load: the supply is too weak.',
    advice: [
      'Power the chip from a supply that gives 300–500 mA at 3.3 V (a separate LDO or bench supply), not the USB adapter\'s 3.3 V pin, and connect GND between the adapter and the board.',
      'Use short, thick wires for power and ground.',
      'Add a capacitor (100–470 µF) across 3.3 V and GND near the module.',
      'If it still fails, lower the baud rate.',
    ],
    confirm: 'Failures at different addresses after a good start, reboots or brownout messages in the log; a stronger supply makes it pass.',
  },
  'unknown-device': {
    summary: 'The device answered, but not as any supported chip.',
    advice: [
      'Update the tool: a newer chip or chip revision reports identification values that older versions do not know (or name the chip with --chip).',
      'Check --chip and the family of the board; report the chip id / bootloader CRC printed above so support can be added.',
    ],
    confirm: 'Replies are well-formed but the identification values are unknown.',
  },
  'boot-window-missed': {
    summary: 'The bootloader listens only briefly after reset and was not caught.',
    advice: [
      'Start the command first, then reset the chip (pull CEN to GND briefly, or power-cycle it) while it is trying to connect.',
      'Wire the adapter\'s RTS or DTR to CEN/RST so the tool can reset the chip itself.',
      'Beken: the chip must be reset within the link window; SiFli SF32LB52: power-cycle and connect within ~2 s.',
    ],
    confirm: 'It connects when the chip is reset while the tool is already knocking.',
  },
  timeout: {
    summary: 'The device stopped answering in the middle of the operation.',
    advice: [
      'Check the power supply first: a weak 3.3 V supply is the most common cause of mid-operation silence; then lower the baud rate and shorten the wires.',
      'Run again; anyflash re-links, retries the block and skips what was already written.',
    ],
    confirm: 'Replies stop after a good start; compare with the brownout and flash-fault patterns.',
  },
  'garbled-reply': {
    summary: 'A reply from the device was corrupted or cut short.',
    advice: [
      'Lower the baud rate (--baud 115200) and use a shorter cable without a USB hub, with GND connected.',
      'Check the supply: a sagging 3.3 V corrupts replies too.',
      'Over native USB (ESP32-S2/S3/C3 USB-CDC or USB-Serial/JTAG): use another USB port or cable and update the driver.',
    ],
    confirm: 'Bytes arrive but frames are malformed or truncated; a lower baud makes it pass.',
  },
  'device-error': {
    summary: 'The device reported an error for a command.',
    advice: ['Run again; if the same command fails at the same address, the flash may be protected or faulty.', 'Check the flash size and mode settings.'],
    confirm: 'The device answered with a non-zero status.',
  },
  'device-rebooted': {
    summary: 'The device rebooted during the operation.',
    advice: ['Check the power supply and the RTS/DTR wiring (a reset line toggled by the host resets the chip).', 'Run again; anyflash reconnects and resumes.'],
    confirm: 'A boot banner appears in the middle of the operation.',
  },
  'verify-mismatch': {
    summary: 'Flash contents differ from the image after writing.',
    advice: [
      'Check the power supply: writes that brown out leave wrong data; power the board from a supply that gives 300+ mA (the adapter\'s 5 V through the board regulator, or a separate 3.3 V), not a weak 3.3 V pin.',
      'Write again; if it keeps failing, erase the flash first.',
      'Check the flash size/mode: a counterfeit or smaller flash than declared fails verification.',
    ],
    confirm: 'The write completed, but the digest of the flash differs from the file.',
  },
  'nothing-written': {
    summary: 'The written region reads back empty (all 0xFF).',
    advice: ['The flash is write-protected or not connected: check its status register / protection bits.', 'Check the flash power and wiring.'],
    confirm: 'The flash digest equals the digest of all-0xFF bytes.',
  },
  'flash-not-found': {
    summary: 'The flash chip does not answer (ID 000000/FFFFFF).',
    advice: [
      'Check the flash power and the SPI wiring (custom boards); the module may be damaged.',
      'On modules with an external flash, check the flash pins were not used as GPIOs by the board.',
      'A chip with a dead flash can only be recovered by replacing the flash or with an SPI programmer.',
    ],
    confirm: 'The JEDEC ID reads 000000 or FFFFFF.',
  },
  'flash-protected': {
    summary: 'The flash is write-protected.',
    advice: [
      'Unprotect the flash (clear the status-register block-protect bits); anyflash does it automatically where the protocol allows.',
      'Beken BK7231T/U: the bootloader region below 0x11000 is protected by design; write the app at 0x11000.',
      'If unprotecting fails, the status register is locked or the flash model is unknown: report its JEDEC ID.',
    ],
    confirm: 'Erase/write fails at the same address every time and the status register shows protect bits.',
  },
  'flash-fault': {
    summary: 'The flash fails at the same address every time: a faulty or worn flash chip.',
    advice: [
      'Read back that sector to confirm; a worn sector keeps failing whatever the baud or supply.',
      'Replace the flash chip or the module.',
    ],
    confirm: 'The same address fails on every run, at every baud and with a good supply.',
  },
  'device-data-missing': {
    summary: 'The per-device data (--device-data) has nothing for this device.',
    advice: [
      'Add a file named by the MAC (240ac4123456.bin) to the folder, or a row with its mac to the CSV.',
      'Check that this board belongs to the batch the data was made for (anyflash info shows its MAC).',
    ],
    confirm: 'The message names the MAC and the source; nothing was written to the device.',
  },
  'device-data-exhausted': {
    summary: 'Every row of the per-device data CSV is taken by another device.',
    advice: [
      'Add rows with new serials at the end of the CSV.',
      'A board that already took a row gets it again; the .claims.jsonl file beside the CSV says which board took which row.',
    ],
    confirm: 'Each row of the CSV has a claim by another MAC in its .claims.jsonl file; nothing was written to the device.',
  },
  'stub-failed': {
    summary: 'The flasher stub did not start.',
    advice: [
      'Over native USB (ESP32-S3 USB-CDC/JTAG) bytes were corrupted: use another cable or USB port, no hub, and retry.',
      'Try --no-stub to flash through the ROM loader (slower, but no RAM upload).',
      'Lower the baud rate.',
    ],
    confirm: 'The failure happens while uploading the stub to RAM (MEM_DATA / MEM_END), before any flash command.',
  },
  'stub-missing': {
    summary: 'No flasher stub is available for this chip.',
    advice: ['Pass --stub FILE with the stub for this chip, or use --no-stub where the ROM can flash on its own.'],
    confirm: 'The tool reports it has no stub for this chip/memory type.',
  },
  unsupported: {
    summary: 'The operation is not supported in this mode.',
    advice: ['Check the command against the chip\'s mode (ROM vs stub, Secure Download Mode) and the transport (sockets cannot toggle DTR/RTS).'],
    confirm: 'The message names the mode that refuses the operation.',
  },
  aborted: {
    summary: 'The operation was stopped.',
    advice: ['Run the command again; writes resume and skip regions that are already correct.'],
    confirm: 'Stopped by Ctrl-C or a timeout the user set.',
  },
  'recovery-exhausted': {
    summary: 'Automatic recovery gave up.',
    advice: ['Read the causes listed with it; fix the most likely one (usually power or wiring) and run again.'],
    confirm: 'Several retries and reconnects failed in a row.',
  },
  'compressed-write-timeout': {
    summary: "The tool timed out near the end of writing a very compressible image: esptool's compressed-write timeout, not the hardware.",
    advice: [
      'Write without compression (esptool -u / --no-compress), or update esptool: newer versions size the timeout by the uncompressed data.',
      'anyflash is not affected: it times each block by the flash work it causes, so the same image writes as it is.',
    ],
    confirm: 'A large compression ratio (a mostly empty image) and a timeout at or near 100 %; the same write with --no-compress passes.',
  },
  'chip-unsupported-by-tool': {
    summary: 'The tool, or this version of it, does not support the connected chip.',
    advice: [
      'Unsupported by this tool version: update the tool (or use a web installer build made for this chip), or flash with a tool that supports the chip, such as anyflash.',
      'Check which chip the board really has (module marking, `anyflash info`): a board revision can carry a newer chip than the project expects.',
    ],
    confirm: 'The link works (or the chip is named) but the tool stops at chip detection or says the chip is not supported; a current version or another tool works.',
  },
  'tool-outdated': {
    summary: 'This version of the tool has a known bug that a newer release fixes.',
    advice: [
      'Update the tool (or use a web page built on its current version); anyflash handles the same chip and port without this bug.',
      'If you cannot update, flash through the board\'s USB-UART bridge port instead of the chip\'s own USB port.',
    ],
    confirm: 'The same board and port work with a current version of the tool or with another flasher.',
  },
  internal: {
    summary: 'An internal error occurred.',
    advice: ['Run again with --verbose and report the output (anyflash doctor --report FILE collects it).'],
    confirm: 'A bug in anyflash, not in the setup.',
  },
};

/** What the advice is for: the family and chip the failure happened on, and whether a web page flashed it. */
export type AdviceContext = BootContext;

/**
 * The advice for a code, worded for the family and chip (the boot strap pin, Beken's CEN reset,
 * SiFli's power-cycle) and the front end (a web page gets no command-line options). Lines made
 * for the context come first; the general lines follow without repeats.
 */
export function adviceFor(code: ErrorCode, ctx: AdviceContext = {}): Advice {
  const base = ADVICE[code] ?? { summary: ErrorCodes[code], advice: [], confirm: '' };
  const family = ctx.family ?? bootFamilyOf(ctx.chip);
  const specific = contextLines(code, { ...ctx, family });
  if (specific.length === 0) return base;
  const general = base.advice.filter((a) => !isReplaced(a, code, { ...ctx, family }) && !specific.includes(a));
  return { ...base, advice: [...specific, ...general] };
}

/** Browser flashers: the port is chosen in a dialog and held by tabs; options like --before do not exist. */
const WEB_CABLE =
  'Use a USB data cable (a charge-only cable powers the board but carries no data) and try the board\'s other USB port (native USB vs the USB-UART bridge).';
const WEB_BUSY = 'Close other browser tabs and apps (serial monitors, IDEs, other flashers) that hold the port, then reload the page and connect again.';
const WEB_BAUD = 'Choose a lower baud in the page (115200 where it offers a baud setting) and connect again; some USB-serial adapters and drivers cannot switch to a faster rate.';
const WEB_DRIVER = 'Install or update the USB-serial driver for the adapter (CH340/CH341, CP210x; Windows: Device Manager), use a data cable, then reload the page.';

/**
 * Wrong boot mode after an automatic reset: the reset reached the chip but the strap was already
 * released when it started (the auto-reset pulse is too short), or the board has no DTR→BOOT link.
 */
function wrongBootEntry(ctx: AdviceContext = {}): string {
  const how = ctx.web ? 'hold it while clicking Connect' : 'hold it while the tool connects (or enter download mode by hand and use --before no-reset)';
  return `The reset reached the chip but ${bootButton(ctx.chip)} was not low when it started: ${how}; the lasting fix for boards with auto-reset is a 1–10 µF capacitor from EN to GND, which lengthens the reset pulse.`;
}

function contextLines(code: ErrorCode, ctx: AdviceContext): string[] {
  const entry = manualBootEntry(ctx);
  const pin = bootStrapPin(ctx.chip);
  switch (code) {
    case 'no-response':
      // In a browser the port was picked from a list, so it exists; a chip not in download mode
      // and the board's other USB port / a bad cable are the two quick checks, in that order.
      if (ctx.web) return [`${entry.replace(/\.$/, '')}; if it still does not answer, use a USB data cable and the board's other USB port (native USB vs the USB-UART bridge), and update the browser or try another Chromium-based one.`];
      return ctx.family || ctx.chip ? [entry] : [];
    case 'wrong-boot-mode':
      if (ctx.family && ctx.family !== 'esp') return [entry];
      if (!ctx.web && !ctx.chip) return [];
      return [
        wrongBootEntry(ctx),
        entry,
        ...(otherStraps(ctx.chip) ? [`On a custom board, check the other strapping pins at reset as well: ${otherStraps(ctx.chip)}.`] : []),
      ];
    case 'firmware-owns-uart':
    case 'boot-window-missed':
      return ctx.family || ctx.chip || ctx.web ? [entry] : [];
    case 'baud-mismatch':
      return ctx.web ? [WEB_BAUD] : [];
    case 'wrong-chip-image':
      return ctx.chip && bootFamilyOf(ctx.chip) === 'esp'
        ? [`Use an image built for the connected chip (${ctx.chip.toUpperCase()}): pick that build of the firmware, or build it for that target (\`idf.py set-target ${ctx.chip}\`, the board in the IDE or platformio.ini).`]
        : [];
    case 'port-busy':
      return ctx.web ? [WEB_BUSY] : [];
    case 'port-not-found':
    case 'no-port':
      return ctx.web ? [WEB_CABLE, WEB_DRIVER] : [];
    case 'port-error':
      return ctx.web ? [WEB_DRIVER, WEB_BUSY] : [];
    case 'stub-failed':
    case 'garbled-reply':
      // Only to drop the native-USB line for chips without native USB.
      return ctx.chip === 'esp32' || ctx.chip === 'esp8266' ? ADVICE[code].advice.filter((a) => !/^Over native USB/.test(a)) : [];
    case 'usb-jtag-stuck':
      return pin && ctx.web ? ['Unplug the board and plug it in again (a power cycle re-reads the strapping pins), then click Connect again.'] : [];
    default:
      return [];
  }
}

/** General lines that the context-specific ones replace (the ESP manual entry, command-line options on the web). */
function isReplaced(line: string, code: ErrorCode, ctx: AdviceContext): boolean {
  const entryLine = /^Put the chip into download mode by hand|^Enter download mode by hand|^Start the command first, then reset|^Beken: the chip must be reset|^The reset reached the chip/;
  if (entryLine.test(line) && ['no-response', 'wrong-boot-mode', 'firmware-owns-uart', 'boot-window-missed'].includes(code)) return true;
  if (ctx.web && /--before|--baud|--after|--no-stub|`anyflash|anyflash doctor|fuser|usermod|udev/.test(line)) return true;
  if (ctx.family && ctx.family !== 'esp' && /IO0|auto-reset circuit|EN to GND/.test(line)) return true;
  // Another family's step (Beken's UART pins, SiFli's power-cycle window) in ESP advice.
  if (ctx.family === 'esp' && /^Beken:/.test(line)) return true;
  // The Beken entry line already names the download-UART wiring.
  if (ctx.family === 'beken' && /^Check the wiring: adapter TX to chip RX/.test(line)) return true;
  // Native-USB advice for a chip that has no USB of its own.
  if (ctx.chip && (ctx.chip === 'esp32' || ctx.chip === 'esp8266') && /^Over native USB/.test(line)) return true;
  return false;
}
