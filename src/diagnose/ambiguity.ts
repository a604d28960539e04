/**
 * What a log cannot decide. Some failures print the same words for different causes (no reply at
 * all; a port that will not open; a link timeout on a Beken chip); then `explain` says which causes
 * it cannot tell apart and what to check, instead of pretending. Rules are data, tried in order.
 */
import type { BootFamily } from '../core/boot-entry.js';
import type { ErrorCode } from '../core/errors.js';
import { adviceFor } from './advice.js';
import type { ClueId } from './clues.js';
import type { RankedCause } from './reason.js';
import type { Step } from './signatures/types.js';

export interface Situation {
  causes: readonly RankedCause[];
  family?: BootFamily;
  web?: boolean;
  step?: Step;
  clues: ReadonlySet<ClueId>;
  /** The tool reached the chip (chip facts, a reply) before it failed. */
  connected: boolean;
  port?: string;
}

export interface Undecided {
  /** The causes (codes where one exists) the log cannot tell apart. */
  between: string[];
  /** "the log cannot tell X from Y; check …" */
  text: string;
}

interface OpenQuestion {
  applies: (s: Situation, top: ErrorCode) => boolean;
  between: (s: Situation) => string[];
  check: string;
}

/** Clues that show the line worked and say which boot mode the chip took. */
const BANNER: readonly ClueId[] = ['boot-banner-flash', 'boot-banner-download'];
const CONNECT_CODES: readonly ErrorCode[] = ['no-response', 'boot-window-missed', 'firmware-owns-uart'];

const QUESTIONS: readonly OpenQuestion[] = [
  {
    // The same open failure for a port held elsewhere and a driver that cannot open it.
    applies: (s, top) => (top === 'port-busy' || top === 'port-error') && s.causes.some((c) => c.code === (top === 'port-busy' ? 'port-error' : 'port-busy')),
    between: () => ['port-busy (another tab or program holds the port)', 'port-error (the USB-serial driver cannot open it)'],
    check: 'by closing every other tab and serial program and reconnecting; if it still fails, the adapter\'s driver (Windows: Device Manager, CH340/CP210x driver version)',
  },
  {
    // Linux tools that report any open failure as a missing port.
    applies: (s, top) => top === 'port-not-found' && /^\/dev\//.test(s.port ?? '') && s.causes.length > 1,
    between: () => ['a port that does not exist (port-not-found)', 'one you may not open (port-permission)'],
    check: '`ls -l` on the port (it exists and belongs to group dialout/uucp?) and `groups` (are you in it?)',
  },
  {
    applies: (s, top) => s.web === true && top === 'no-response',
    between: (s) => [
      'a charge-only cable or the wrong USB port of the board (no-response)',
      'a chip that did not enter download mode (wrong-boot-mode)',
      ...(s.clues.has('native-usb') ? ["a browser or page version that cannot talk to the chip's native USB (tool-outdated)"] : []),
      'a browser fault in its Web Serial layer (port-error)',
    ],
    check: 'whether the browser lists the board on its other USB port or with another cable; then hold BOOT while clicking Connect; if esptool on the command line works on the same port, update the browser or try another Chromium-based one',
  },
  {
    // BK7231 GUI Flash Tool never got the bus: its serial layer under Mono reads replies differently.
    applies: (s, top) => top === 'no-response' && s.clues.has('bus-never-obtained') && !s.clues.has('chip-in-file-name'),
    between: () => [
      'wrong wiring or a missed CEN reset (no-response)',
      "the GUI's reply handling on Linux/Mono (tool-outdated: its cfg_readReplyStyle setting)",
      'a chip this tool version does not support (chip-unsupported-by-tool)',
    ],
    check: 'TX/RX crossed to RX1/TX1 (P10/P11) with a common GND and a CEN reset while it is linking; with that verified on Linux, cfg_readReplyStyle on the UART tab, or another flasher (ltchiptool, bk7231tools)',
  },
  {
    applies: (s, top) => s.family === 'beken' && CONNECT_CODES.includes(top) && !s.clues.has('chip-unknown-to-tool') && !s.connected,
    between: () => ['a missed CEN reset or wrong wiring (no-response)', 'a chip this tool version does not support, e.g. BK7238/BK7236/BK7252N (chip-unsupported-by-tool)'],
    check: 'the chip marking on the module, TX/RX crossed to RX1/TX1, and a CEN reset while the tool is linking; a current tool version (or anyflash) links chips older versions do not know',
  },
  {
    applies: (s, top) => s.family === 'sifli' && CONNECT_CODES.includes(top),
    between: () => ['a firmware that holds the debug UART (firmware-owns-uart)', 'no working line to the chip (no-response)'],
    check: 'by power-cycling the board while the tool is already connecting: if it answers then, the firmware was holding the UART',
  },
  {
    applies: (s, top) => top === 'no-response' && (s.family === 'esp' || s.family === undefined) && !BANNER.some((b) => s.clues.has(b)),
    between: () => ['a chip that never entered download mode (wrong-boot-mode)', 'no working line to it: wiring, solder joints, power or the wrong port (no-response)'],
    check: 'with a serial monitor at 115200 while pressing RESET: a ROM banner (rst:… boot:…) proves the line works and shows the boot mode, silence points to wiring, power or the port',
  },
  {
    // A reply lost right after connecting: a line problem looks the same as a chip that refuses the command.
    applies: (s, top) => top === 'timeout' && s.family === 'esp' && s.step === 'connect' && !s.clues.has('baud-switch'),
    between: () => ['a line that loses replies (timeout)', 'a chip in Secure Download Mode refusing the command (secure-download-mode)'],
    check: '`espefuse summary` or `anyflash info` (Secure Download Mode is an eFuse; plain writes with --no-stub still work), then a lower baud and a shorter cable',
  },
  {
    // Beken flashers handle replies at a high baud differently by version (reply waits, read sizes).
    applies: (s, top) => top === 'baud-mismatch' && s.family === 'beken' && s.clues.has('baud-switch'),
    between: () => ['a link that cannot carry the faster baud (baud-mismatch)', "the tool's own reply handling at that rate, fixed in later versions (tool-outdated)"],
    check: 'the same operation at 115200, and with the tool\'s current version',
  },
  {
    applies: (s, top) => top === 'garbled-reply' || (top === 'timeout' && s.family === 'beken'),
    between: (s) => [`a line that loses or damages bytes: a weak supply (brownout-suspected), wiring or baud (${s.causes[0]!.code})`, 'a limit or known bug of this tool version, such as its reply timeout (tool-outdated)'],
    check: 'by running again at a lower baud with a solid 3.3 V supply, and with the tool\'s current version',
  },
  {
    // The browser failed on a port it had opened: its Web Serial layer, or a page too old for the chip's native USB.
    applies: (s, top) => s.web === true && top === 'port-error' && s.step !== 'open-port',
    between: () => ["a fault in the browser's Web Serial layer (port-error)", "a page version that cannot drive the chip's native USB port (tool-outdated)"],
    check: 'esptool on the command line on the same port (if it works, the browser is at fault: update it or try another Chromium-based one), then the page\'s current version',
  },
  {
    // An old tool version and a line that loses replies time out alike.
    applies: (s, top) => top === 'tool-outdated' && s.causes.some((c) => c.code === 'timeout' || c.code === 'garbled-reply'),
    between: (s) => ['a known bug of this tool version (tool-outdated)', `a line that loses replies (${s.causes.find((c) => c.code === 'timeout' || c.code === 'garbled-reply')!.code})`],
    check: 'the same board and cable with a current version of the tool or another flasher',
  },
  {
    // The tool refused an input: its version, or a file it cannot take.
    applies: (s, top) => top === 'tool-outdated' && s.causes.some((c) => c.code === 'bad-input'),
    between: () => ["this tool version's handling of the file (tool-outdated)", 'a file it cannot take in this form (bad-input)'],
    check: 'the same file with another version of the tool, or given as a plain .bin',
  },
  {
    // One write that broke off part-way: the supply or USB link, or the flash at that address.
    applies: (s, top) => top === 'brownout-suspected' && s.clues.has('write-broke-off'),
    between: () => ['the USB link or supply dropping out (brownout-suspected)', 'a protected or faulty flash at that address (device-error)'],
    check: 'by running again, on another USB port: a different percentage each time is the link or supply, the same address every time is the flash',
  },
];

/** Close causes whose distinguishing observations exist: the generic case. */
const CLOSE = 0.8;

export function openQuestion(s: Situation): Undecided | undefined {
  const [top, second] = s.causes;
  if (!top) return undefined;
  for (const q of QUESTIONS) {
    if (!q.applies(s, top.code)) continue;
    const between = q.between(s);
    const others = between.slice(1);
    const from = others.length > 1 ? `${others.slice(0, -1).join(', ')} or ${others[others.length - 1]}` : others[0];
    return { between, text: `The log cannot tell ${between[0]} from ${from}; check ${q.check}.` };
  }
  if (second && second.confidence >= top.confidence * CLOSE) {
    const between = [top.code, second.code];
    return {
      between,
      text: `The log cannot tell ${top.code} from ${second.code}; check which holds: ${lowerFirst(adviceFor(top.code).confirm)} / ${lowerFirst(adviceFor(second.code).confirm)}`,
    };
  }
  return undefined;
}

function lowerFirst(s: string): string {
  return s.length > 1 && /^[A-Z][a-z]/.test(s) ? s[0]!.toLowerCase() + s.slice(1) : s;
}
