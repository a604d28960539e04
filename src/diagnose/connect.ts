/**
 * Classifies a failed connection from the evidence gathered while trying: bytes and text seen at
 * each baud, the echo test, modem-line errors, what each family's connect threw, and the port's
 * USB facts. Pure (no I/O), so every verdict is testable from an evidence object.
 */
import type { ErrorCode } from '../core/errors.js';
import { printable, textDecoder, textEncoder } from '../core/bytes.js';
import type { FamilyName } from '../families/types.js';
import { adviceFor } from './advice.js';
import type { ListenResult } from './listen.js';
import { isReadable } from './listen.js';
import type { ChannelRole } from './usb-bridges.js';
import { vidPid } from './usb-bridges.js';

export interface PortEvidence {
  path?: string;
  vid?: number;
  pid?: number;
  interfaceNumber?: number;
  bridge?: string;
  role?: ChannelRole;
  /** Other ports of the same USB device (e.g. ESP-Prog channel B). */
  siblings?: readonly string[];
}

export interface FamilyAttempt {
  family: FamilyName;
  /** Code of the error its connect threw. */
  code: ErrorCode;
  message: string;
  evidence?: readonly string[];
  ms?: number;
}

export interface ConnectEvidence {
  /** The family asked for (`--chip`), if any. */
  family?: FamilyName;
  chip?: string;
  port?: PortEvidence;
  /** Bytes received while knocking, with the baud the host listened at. */
  received?: readonly { baud: number; bytes: Uint8Array }[];
  /** Boot-log text the families reported (`boot-log` events). */
  bootLog?: readonly string[];
  listen?: readonly ListenResult[];
  /** `loopback`: our pattern came back while the chip was held in reset. */
  echo?: 'loopback' | 'none' | 'untested';
  /** Failures to set DTR/RTS (the auto-reset cannot work). */
  modemLineErrors?: readonly string[];
  attempts?: readonly FamilyAttempt[];
}

export interface Diagnosis {
  code: ErrorCode;
  /** One line: what happened. */
  summary: string;
  /** What to do, most specific first. */
  advice: string[];
  /** Short facts behind the verdict. */
  evidence: string[];
  family?: FamilyName;
}

/** What a piece of text says about the device. */
interface TextSign {
  id: string;
  family?: FamilyName;
  pattern: RegExp;
  meaning: string;
}

const SIGNS: readonly TextSign[] = [
  { id: 'brownout', family: 'esp', pattern: /Brownout detector was triggered/i, meaning: 'the brownout detector reset the chip' },
  { id: 'esp-waiting', family: 'esp', pattern: /waiting for download/, meaning: 'ESP ROM in download mode' },
  { id: 'esp8266-download', family: 'esp', pattern: /boot mode:\(1,\d\)/, meaning: 'ESP8266 ROM in UART download mode' },
  { id: 'esp8266-flash', family: 'esp', pattern: /boot mode:\(3,\d\)/, meaning: 'ESP8266 ROM booting from flash' },
  { id: 'esp-boot', family: 'esp', pattern: /boot:0x[0-9a-f]+/i, meaning: 'ESP ROM boot log' },
  { id: 'esp-panic', family: 'esp', pattern: /Guru Meditation Error|Fatal exception \(\d+\)|abort\(\) was called/, meaning: 'ESP firmware crash' },
  { id: 'esp-app', family: 'esp', pattern: /^[IWE] \(\d+\) [\w-]+:|^ESP-ROM:|^entry 0x4/m, meaning: 'ESP firmware log' },
  { id: 'beken-window', family: 'beken', pattern: /wait uart download timeout|beken \S+ bootloader/i, meaning: 'Beken bootloader banner' },
  { id: 'beken-app', family: 'beken', pattern: /jump to pc addr|V:BK7\d{3}/, meaning: 'Beken firmware starting' },
  { id: 'sifli-rom', family: 'sifli', pattern: /SFBL/, meaning: 'SiFli ROM banner' },
  { id: 'sifli-shell', family: 'sifli', pattern: /msh >|Thread Operating System|\\ \| \//, meaning: 'RT-Thread console (SiFli firmware)' },
];

interface Seen {
  text: string;
  baud?: number;
  source: 'connect' | 'listen';
  signs: TextSign[];
}

function signsIn(text: string): TextSign[] {
  return SIGNS.filter((s) => s.pattern.test(text));
}

/** Codes a family reports from its own protocol knowledge; they beat our text heuristics. */
const SPECIFIC_FAMILY_CODES: readonly ErrorCode[] = [
  'secure-download-mode', 'usb-jtag-stuck', 'no-sync-reply', 'wrong-boot-mode', 'brownout-suspected',
  'flash-not-found', 'unknown-device', 'boot-window-missed', 'firmware-owns-uart',
];

/** Turns connect evidence into one verdict with the fix. */
export function classifyConnect(ev: ConnectEvidence): Diagnosis {
  const evidence = baseEvidence(ev);
  const seen = collectText(ev);
  const family = ev.family;
  const make = (code: ErrorCode, summary: string, specific: string[] = [], more: string[] = []): Diagnosis =>
    finish({ code, summary, advice: specific, evidence: [...more, ...evidence], family }, ev.chip);

  const port = ev.port;
  if (port?.role === 'jtag') {
    const other = port.siblings?.length ? `Use ${port.siblings.join(' or ')} instead: --port ${port.siblings[0]}` : undefined;
    return make(
      'jtag-channel',
      `${port.path ?? 'This port'} is ${port.bridge ?? 'the JTAG channel'} of ${vidPid(port.vid, port.pid)}, not the UART to the chip.`,
      other ? [other] : [],
      [`USB interface ${port.interfaceNumber ?? 0} of ${vidPid(port.vid, port.pid)} (ESP-Prog channel A = JTAG, channel B = UART)`],
    );
  }
  if (ev.echo === 'loopback') {
    return make('echo-loopback', 'Every byte we send comes straight back, even with the chip held in reset.', [], ['echo test: our pattern was received back unchanged']);
  }
  const brown = seen.find((s) => s.signs.some((x) => x.id === 'brownout'));
  if (brown) return make('brownout-suspected', 'The chip reset itself: its brownout detector tripped.', [], [quote(brown)]);

  const attempts = ev.attempts ?? [];
  for (const code of SPECIFIC_FAMILY_CODES) {
    const hit = attempts.find((a) => a.code === code);
    if (hit) return finish({ code, summary: hit.message, advice: [], evidence: [...(hit.evidence ?? []), ...evidence], family: hit.family }, ev.chip);
  }

  const fromText = classifyText(seen, ev);
  if (fromText) {
    const fam = family ?? fromText.family;
    return finish({ code: fromText.code, summary: fromText.summary, advice: fromText.advice, evidence: [...fromText.evidence, ...evidence], family: fam }, ev.chip);
  }

  const noisy = (ev.received ?? []).filter((r) => r.bytes.length > 0);
  const listened = (ev.listen ?? []).filter((l) => l.bytes > 0);
  if (noisy.length || listened.length) {
    const where = [...noisy.map((r) => `${r.bytes.length} B at ${r.baud}`), ...listened.map((l) => `${l.bytes} B at ${l.baud}`)];
    return make('garbled-reply', 'Bytes arrive, but they are not readable at any usual baud and are not protocol replies.', [], [`unreadable bytes: ${where.join(', ')}`]);
  }
  if (port?.role === 'usb-serial-jtag' || port?.role === 'usb-otg') {
    return make('usb-jtag-stuck', `The chip's own USB port (${port.bridge ?? vidPid(port.vid, port.pid)}) is present, but the chip does not answer.`, [], ['USB enumerated, yet no byte came back']);
  }
  return make('no-response', 'The device sent nothing back: no boot log, no reply, no noise.', modemAdvice(ev), ['not a single byte received']);
}

/** Verdicts from recognised text: boot logs, download banners, firmware consoles. */
interface TextVerdict {
  code: ErrorCode;
  summary: string;
  advice: string[];
  evidence: string[];
  /** The family the recognised text belongs to. */
  family?: FamilyName;
}

function classifyText(seen: readonly Seen[], ev: ConnectEvidence): TextVerdict | undefined {
  const has = (id: string): Seen | undefined => seen.find((s) => s.signs.some((x) => x.id === id));
  const waiting = has('esp-waiting') ?? has('esp8266-download');
  if (waiting) {
    return { code: 'no-sync-reply', summary: 'The chip is in download mode ("waiting for download") but ignores our SYNC.', advice: [], evidence: [quote(waiting)], family: 'esp' };
  }
  const flashBoot = has('esp-boot') ?? has('esp8266-flash');
  if (flashBoot) {
    const mode = /boot:(0x[0-9a-f]+)|boot mode:\((\d,\d)\)/i.exec(flashBoot.text);
    return {
      code: 'wrong-boot-mode',
      summary: `The chip booted its firmware (${mode?.[1] ? `boot:${mode[1]}` : `boot mode:(${mode?.[2] ?? '?'})`}) instead of the download mode.`,
      advice: ev.modemLineErrors?.length ? ['The host could not drive DTR/RTS, so the automatic BOOT/RESET sequence never reached the chip.'] : [],
      evidence: [quote(flashBoot)],
      family: 'esp',
    };
  }
  const rom = has('sifli-rom');
  if (rom && !seen.some((s) => s.signs.some((x) => x.id !== 'sifli-rom'))) {
    return { code: 'no-sync-reply', summary: 'The SiFli ROM started (SFBL) but did not answer the debug handshake.', advice: [], evidence: [quote(rom)], family: 'sifli' };
  }
  const consoleAtUs = seen.find((s) => s.source === 'connect' || (s.baud !== undefined && connectBauds(ev).includes(s.baud)));
  if (consoleAtUs) {
    const sign = consoleAtUs.signs[0];
    return {
      code: 'firmware-owns-uart',
      summary: `A running firmware is printing on this line${sign ? ` (${sign.meaning})` : ''} instead of the bootloader answering.`,
      advice: [],
      evidence: [quote(consoleAtUs)],
      family: sign?.family,
    };
  }
  const elsewhere = seen.find((s) => s.source === 'listen');
  if (elsewhere) {
    const sign = elsewhere.signs[0];
    return {
      code: 'baud-mismatch',
      summary: `Readable text appears only at ${elsewhere.baud} baud${sign ? ` (${sign.meaning})` : ''}, not at the rate the bootloader was tried at.`,
      advice: [`That is a console at ${elsewhere.baud} baud: the chip is running its firmware; enter the bootloader by hand, or check --chip.`],
      evidence: [quote(elsewhere)],
      family: sign?.family,
    };
  }
  return undefined;
}

/** Bauds the connect attempts listened at; the family defaults when nothing was recorded. */
function connectBauds(ev: ConnectEvidence): number[] {
  const recorded = (ev.received ?? []).map((r) => r.baud);
  if (recorded.length) return [...new Set(recorded)];
  return ev.family === 'sifli' ? [1000000] : [115200];
}

function collectText(ev: ConnectEvidence): Seen[] {
  const out: Seen[] = [];
  // Families report whatever they read as boot log; noise at a wrong baud is not text.
  for (const text of ev.bootLog ?? []) {
    const signs = signsIn(text);
    if (signs.length || isReadable(textEncoder.encode(text))) out.push({ text, source: 'connect', signs });
  }
  for (const r of ev.received ?? []) {
    if (!isReadable(r.bytes)) continue;
    const text = textDecoder.decode(r.bytes);
    out.push({ text, baud: r.baud, source: 'connect', signs: signsIn(text) });
  }
  for (const l of ev.listen ?? []) if (l.readable) out.push({ text: l.text, baud: l.baud, source: 'listen', signs: signsIn(l.text) });
  // Recognised text first: it says more than an anonymous console.
  return out.sort((a, b) => Number(b.signs.length > 0) - Number(a.signs.length > 0));
}

function quote(s: Seen): string {
  const line = printable(textEncoder.encode(s.text.trim()), 120);
  return `${s.source === 'listen' ? 'heard' : 'received'}${s.baud ? ` at ${s.baud} baud` : ''}: "${line}"`;
}

function baseEvidence(ev: ConnectEvidence): string[] {
  const out: string[] = [];
  for (const a of ev.attempts ?? []) out.push(`${a.family}: ${a.code}${a.ms !== undefined ? ` after ${Math.round(a.ms)} ms` : ''} — ${a.message}`);
  for (const e of ev.modemLineErrors ?? []) out.push(`DTR/RTS: ${e}`);
  if (ev.port?.bridge) out.push(`port: ${ev.port.path ?? ''} ${ev.port.bridge} ${vidPid(ev.port.vid, ev.port.pid)}`.trim());
  return out;
}

function modemAdvice(ev: ConnectEvidence): string[] {
  return ev.modemLineErrors?.length ? ['DTR/RTS could not be set on this port, so no automatic reset happened: reset the chip into its bootloader by hand.'] : [];
}

/**
 * Adds the shared advice for the code after the evidence-specific lines, worded for the family and
 * chip (boot strap pin, Beken CEN reset, SiFli power-cycle) as `explain` and our own errors word it.
 */
function finish(d: Diagnosis, chip?: string): Diagnosis {
  const general = adviceFor(d.code, { ...(d.family ? { family: d.family } : {}), ...(chip ? { chip } : {}) }).advice.filter((a) => !d.advice.includes(a));
  return { ...d, advice: [...d.advice, ...general], evidence: [...new Set(d.evidence)] };
}
