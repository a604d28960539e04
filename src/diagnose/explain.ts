import { bootFamilyOf, type BootFamily } from '../core/boot-entry.js';
import type { ErrorCode } from '../core/errors.js';
import { adviceFor, type AdviceContext } from './advice.js';
import { openQuestion, type Undecided } from './ambiguity.js';
import { findClues } from './clues.js';
import { reason, type Evidence, type Incident, type RankedCause } from './reason.js';
import { TOOL_TABLES, generic } from './signatures/index.js';
import type { LogFacts, Signature, Step, ToolSignatures } from './signatures/types.js';
import { findInvocation, renderCommand } from './suggest.js';

export interface ExplainedCause {
  code: ErrorCode;
  confidence: number;
  evidence: string[];
  advice: string[];
}

export interface ExplainResult {
  /** The flasher that wrote the log (`esptool`, `espflash`, …) or `unknown`. */
  tool: string;
  version?: string;
  /** A tool that ran the flasher for the user (`idf.py`, `west`). */
  wrapper?: string;
  /** Where the run failed (`done` for a successful run). */
  step?: Step;
  /** Most likely first. Empty for a successful run. */
  causes: ExplainedCause[];
  /** "What happened", one line. */
  summary: string;
  /** The equivalent anyflash command, from the port, chip, addresses and files in the log. */
  suggestion?: string;
  success: boolean;
  recognised: boolean;
  /** Warnings worth knowing that are not causes (e.g. "Unknown bootloader CRC" is harmless). */
  notes: string[];
  /** When the top causes are close: for each, the observation that would confirm it. */
  distinguish?: string[];
  /** When the log cannot decide between causes: which, and what to check. */
  undecided?: Undecided;
  /** The chip family the log is about (from the chip, else from the tool). */
  family?: BootFamily;
  /** The chip the log names (the connected one, not a wrong `--chip`). */
  chip?: string;
  /** The log comes from a browser flasher (ESP Web Tools, esptool-js pages). */
  web?: boolean;
  facts: LogFacts;
}

/** The family each flasher works on, when the log names no chip. */
const TOOL_FAMILY: Readonly<Record<string, BootFamily>> = {
  esptool: 'esp', espflash: 'esp', 'esptool-js': 'esp', 'esptool-ck': 'esp', 'idf.py': 'esp', platformio: 'esp', arduino: 'esp', esphome: 'esp',
  bk7231tools: 'beken', ltchiptool: 'beken', bk7231gui: 'beken', uartprogram: 'beken', sftool: 'sifli',
};

/** Flashers made for one chip. */
const TOOL_CHIP: Readonly<Record<string, string>> = { 'esptool-ck': 'esp8266' };

/** Lines only a browser flasher prints (Web Serial API errors, installer pages). */
const WEB_LINE = /Failed to execute '\w+' on 'SerialPort'|WebSerial|web\.esphome\.io|ESP Web Tools|esp-web-tools|installation failed/i;

/** Failures that say the link or the flash stopped working at an address (pattern-rule input). */
const INCIDENT_CODES = new Set<ErrorCode>(['timeout', 'garbled-reply', 'device-error', 'verify-mismatch']);

/** Causes for which `anyflash doctor` is the next step when the log has no command line to translate. */
const DOCTOR_CODES = new Set<ErrorCode>([
  'no-response', 'wrong-boot-mode', 'no-sync-reply', 'firmware-owns-uart', 'baud-mismatch', 'boot-window-missed',
  'port-busy', 'port-not-found', 'port-permission', 'port-error',
]);

/** Failures of the link to the chip, where a clue about the adapter's driver comes first. */
const LINK_CODES = new Set<ErrorCode>(['no-response', 'no-sync-reply', 'stub-failed', 'timeout', 'garbled-reply', 'wrong-boot-mode', 'port-vanished']);

const ROM_TEXT = /boot:0x[0-9a-f]+|waiting for download/i;

/** Lines are matched up to this length (pasted binary junk can make single lines huge). */
const MAX_LINE = 1000;
/** Lines of a bannerless log that vote on which tool wrote it. */
const VOTE_SAMPLE = 2000;
/** Evidence quotes are cut to this length. */
const MAX_QUOTE = 240;

/** Families whose loader answers only in a short window after reset. */
const SHORT_WINDOW_TOOLS = new Set(['bk7231tools', 'ltchiptool', 'bk7231gui', 'sftool']);

/** Reads a pasted log from any supported flasher and says what went wrong and what to do. */
export function explain(text: string): ExplainResult {
  const raw = splitLines(text);
  const stripped = new Map<string, string>();
  const lines = raw.map((l) => {
    let s = stripped.get(l);
    if (s === undefined) stripped.set(l, (s = stripPrefixes(clip(l))));
    return s;
  });
  const match = memoMatcher();
  const detected = detectTools(lines, match);
  const tables = [...detected.tables, generic];

  const evidence: Evidence[] = [];
  const warnings = new Set<Evidence>();
  const incidents: Incident[] = [];
  /** Each note with the causes its line implied: a note is dropped when its cause is already shown. */
  const notes = new Map<string, ErrorCode[]>();
  const facts: LogFacts = {};
  let step: Step | undefined;
  let failingStep: Step | undefined;
  let lastFatal = -1;
  let lastSuccess = -1;
  let attempts = 0;
  let connected = false;
  let goodWork = 0;
  let goodWorkBeforeFailure: number | undefined;
  let lastAddress: number | undefined;
  let separated = true;
  /** A download-mode boot banner after the tool said it reset the chip (USB-Serial/JTAG core reset). */
  let stuckInDownload: Evidence | undefined;

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    // Source lines quoted in Python tracebacks repeat the message they raise.
    if (line === '' || /^(?:raise\s|File ".*", line \d+)/.test(line)) continue;
    if (detected.bannerLines.has(i)) separated = true;
    const seen = new Map<ErrorCode, number>();
    for (const { row, m, count } of tables.flatMap((t) => match(t, line))) {
      const f = row.facts?.(m) ?? {};
      mergeFacts(facts, f);
      if (row.step) step = row.step;
      const here = row.step ?? step;
      switch (row.kind) {
        case 'attempt':
          attempts += count;
          break;
        case 'progress':
          if (lastSuccess >= 0 && lastSuccess > lastFatal && /waiting for download|boot:0x[0-9a-f]+ \((?:DOWNLOAD|UART)/i.test(line)) {
            stuckInDownload = { code: 'usb-jtag-stuck', weight: 0.6, text: quote(raw[i]!), order: i, step: 'boot' };
          }
          // A ROM banner is the chip booting, not the tool reaching it.
          if ((here === 'connect' || here === 'stub') && !ROM_TEXT.test(line)) connected = true;
          if (here === 'write' || here === 'erase' || here === 'read' || here === 'verify') {
            goodWork += count;
            if (f.address !== undefined && f.address !== lastAddress) separated = true;
          }
          if (f.address !== undefined) lastAddress = f.address;
          break;
        case 'retry':
        case 'fatal': {
          const address = f.address ?? (here === 'write' || here === 'erase' || here === 'read' ? lastAddress : undefined);
          const linkFailure = row.kind === 'retry' || (row.implies ?? []).some(([c]) => INCIDENT_CODES.has(c));
          if (address !== undefined && linkFailure && incidents[incidents.length - 1]?.order !== i) {
            goodWorkBeforeFailure ??= goodWork;
            incidents.push({ address, step: here, order: i, separated, inferred: f.address === undefined });
            separated = false;
            lastAddress = address;
          }
          if (row.kind === 'fatal') {
            lastFatal = i;
            failingStep = here;
          }
          break;
        }
        case 'warning':
          if (row.note) notes.set(row.note, (row.implies ?? []).map(([c]) => c));
          break;
        case 'success':
          // A finished run closes the books: a later failure is judged on its own run.
          lastSuccess = i;
          stuckInDownload = undefined;
          attempts = 0;
          connected = false;
          goodWork = 0;
          goodWorkBeforeFailure = undefined;
          break;
        case 'info':
          break;
      }
      for (const [code, weight] of row.implies ?? []) {
        if ((seen.get(code) ?? 0) >= weight) continue;
        seen.set(code, weight);
        evidence.push({ code, weight, text: quote(raw[i]!), order: i, step: here, ...(row.lead ? { lead: row.lead } : {}) });
        if (row.kind === 'warning') warnings.add(evidence[evidence.length - 1]!);
      }
    }
  }

  const success = lastSuccess >= 0 && lastSuccess > lastFatal;
  const primary = detected.primary;
  const recognised = primary !== undefined;
  const tool = primary?.tool ?? 'unknown';
  const invocation = findInvocation(lines, workDirOf(lines));
  // The chip actually connected: a wrong --chip is not carried over.
  if (invocation && facts.wrongChip && facts.chip) invocation.chip = facts.chip;
  const chip = facts.chip ?? (facts.wrongChip ? undefined : invocation?.chip) ?? TOOL_CHIP[tool];
  const family =
    bootFamilyOf(chip) ?? TOOL_FAMILY[tool] ?? (detected.wrapper ? TOOL_FAMILY[detected.wrapper.tool] : undefined) ?? familyNamed(lines);
  const web = tool === 'esptool-js' || lines.some((l) => WEB_LINE.test(l));
  const context: AdviceContext = { ...(family ? { family } : {}), ...(chip ? { chip } : {}), ...(web ? { web } : {}) };
  const base = {
    tool,
    ...(primary?.version ? { version: primary.version } : {}),
    ...(detected.wrapper ? { wrapper: detected.wrapper.tool } : {}),
    recognised,
    facts,
    ...(family ? { family } : {}),
    ...(chip ? { chip } : {}),
    ...(web ? { web } : {}),
  };

  if (success) {
    // A finished run can still have shown something wrong (a flash that does not answer its ID),
    // and an earlier failed run in the same paste may say why it failed (a lower baud worked).
    const lowered = baudThatWorked(lines, lastSuccess);
    const { causes } = reason({ evidence: [...warnings, ...(stuckInDownload ? [stuckInDownload] : []), ...(lowered ? [lowered] : [])], context });
    const summary = causes[0]
      ? `The run finished, but: ${adviceFor(causes[0].code).summary}`
      : 'The run finished successfully: nothing to fix.';
    const suggestion = invocation ? renderCommand(invocation, facts) : undefined;
    return { ...base, ...(suggestion ? { suggestion } : {}), step: 'done', causes: causes.map(publicCause), success: true, summary, notes: notesBeside(notes, causes) };
  }

  // Only what happened after the last good run matters.
  const after = (o: number) => o > lastSuccess;
  const clues = findClues({ lines, raw, lastSuccess, lastFatal, connected, chip, tool, ...(primary?.version ? { version: primary.version } : {}) });
  const { causes, distinguish } = reason({
    evidence: [...evidence.filter((e) => after(e.order)), ...clues.evidence],
    incidents: incidents.filter((x) => after(x.order)),
    goodWorkBeforeFailure,
    goodWork,
    connectAttempts: attempts,
    connected,
    shortBootWindow: primary !== undefined && SHORT_WINDOW_TOOLS.has(primary.tool),
    context,
  });
  const top = causes[0];
  if (top && clues.linkLead && LINK_CODES.has(top.code)) top.advice = [clues.linkLead, ...top.advice];
  // A port the tool had to guess and did not find: the command to run names one.
  const portToGive = top && invocation && !invocation.port && !facts.port && (top.code === 'no-port' || clues.found.has('port-not-given'));
  const suggestion = invocation
    ? renderCommand(portToGive ? { ...invocation, port: '<port>' } : invocation, facts, { failedBaud: clues.failedBaud, lowerBaud: top?.code === 'baud-mismatch' })
    : undefined;
  const summary = top
    ? adviceFor(top.code).summary
    : !recognised
      ? 'Not recognised: this does not look like output of a flasher anyflash knows, and nothing in it points to a cause.'
      : lastFatal >= 0
        ? 'The tool failed, but with a message anyflash does not know.'
        : 'The log shows no failure and no successful end (is it cut short?).';
  const resultStep = top?.step ?? failingStep ?? step;
  const undecided = openQuestion({ causes, family, web, step: resultStep, clues: clues.found, connected, ...(facts.port ?? invocation?.port ? { port: facts.port ?? invocation?.port } : {}) });
  return {
    ...base,
    ...(suggestion ? { suggestion } : {}),
    ...(resultStep ? { step: resultStep } : {}),
    causes: causes.map(publicCause),
    summary,
    success: false,
    notes: notesBeside(notes, causes),
    ...(distinguish ? { distinguish } : {}),
    ...(undecided ? { undecided } : {}),
    ...(suggestion === undefined && top && facts.port && DOCTOR_CODES.has(top.code)
      ? { suggestion: renderCheck(facts, top.code === 'baud-mismatch') }
      : {}),
  };
}

/**
 * A paste with a failed run and then a successful one whose command differs by a lower --baud:
 * the failure was the baud.
 */
function baudThatWorked(lines: readonly string[], lastSuccess: number): Evidence | undefined {
  const runs: Array<{ baud: number; rest: string }> = [];
  lines.forEach((line, i) => {
    if (i > lastSuccess) return;
    const m = /(?:^|\s)(?:-b|--baud)[ =](\d+)/.exec(line);
    if (m && findInvocation([line])) runs.push({ baud: Number(m[1]), rest: line.replace(m[0], ' ').replace(/^.*?(?=esptool|espflash|bk7231tools|ltchiptool|sftool)/, '') });
  });
  const good = runs[runs.length - 1];
  if (!good) return undefined;
  const failed = runs.slice(0, -1).reverse().find((r) => r.rest === good.rest && r.baud > good.baud);
  if (!failed) return undefined;
  return {
    code: 'baud-mismatch', weight: 0.8, order: lastSuccess, step: 'connect',
    text: `The same command failed at ${failed.baud} baud and worked at ${good.baud} baud.`,
  };
}

/** A log no known tool wrote can still name the family (a Beken firmware file, an ESP chip). */
function familyNamed(lines: readonly string[]): BootFamily | undefined {
  for (const line of lines) {
    if (/\b(?:Open)?BK72\d\d|\bBeken\b/i.test(line)) return 'beken';
    if (/\bESP(?:32|8266|8285)/i.test(line)) return 'esp';
    if (/\bSF32LB\d/i.test(line)) return 'sifli';
  }
  return undefined;
}

function notesBeside(notes: Map<string, ErrorCode[]>, causes: readonly RankedCause[]): string[] {
  const shown = new Set(causes.map((c) => c.code));
  return [...notes].filter(([, codes]) => !codes.some((c) => shown.has(c))).map(([note]) => note);
}

function publicCause(c: RankedCause): ExplainedCause {
  return { code: c.code, confidence: c.confidence, evidence: c.evidence, advice: c.advice };
}

/** Splits on any line terminator (progress bars use bare CR) after removing terminal escapes. */
export function splitLines(text: string): string[] {
  const clean = text
    .replace(/\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)/g, '')
    .replace(/\x1b\[[0-9;?]*[ -/]*[@-~]/g, '')
    .replace(/\x1b[@-Z\\-_]/g, '')
    .replace(/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/g, '');
  return clean.split(/\r\n|\n|\r/);
}

/** Removes timestamps, log levels and shell prompts so rows can anchor on the message itself. */
export function stripPrefixes(line: string): string {
  let s = line.trim();
  for (let k = 0; k < 4; k++) {
    const before = s;
    s = s
      // Escape sequences pasted as text ("^[[1m").
      .replace(/^\^\[(?:\[[0-9;]*[a-zA-Z])?/, '')
      .replace(/^\[\d{4}-\d\d-\d\dT[\d:.]+Z?\s+[A-Z]+\s*\]\s*/, '')
      .replace(/^\[\s*(?:INFO|WARN|WARNING|ERROR|DEBUG|TRACE)\s*\]\s*/i, '')
      .replace(/^[VDIWEC] \[\s*[\d.]+\] \(\+[\d.]+s\)\s*/, '')
      .replace(/^[VDIWEC]: /, '')
      .replace(/^\|(?:\s*\|)*--\s*/, '|-- ')
      .replace(/^\d{1,2}:\d\d:\d\d(?:\.\d+)?\s*(?:-\s*)?/, '')
      .replace(/^\[\d+\/\d+\]\s*/, '')
      .replace(/^PS [^>]*>\s*/, '')
      .replace(/^[a-z]:\\[^>]*>\s*/i, '')
      .replace(/^[\w.-]+@[\w.-]+[^$#]*[$#]\s+/, '')
      .replace(/^[$>]\s+/, '')
      .trim();
    if (s === before) break;
  }
  return s;
}

interface Detected {
  tables: ToolSignatures[];
  primary?: { tool: string; version?: string };
  wrapper?: { tool: string; version?: string };
  bannerLines: Set<number>;
}

function detectTools(lines: readonly string[], match: Matcher): Detected {
  const found = new Map<ToolSignatures, { first: number; version?: string }>();
  const bannerLines = new Set<number>();
  const bannerLinesText = new Set<string>();
  const seen = new Set<string>();
  lines.forEach((line, i) => {
    // A banner repeated verbatim (link-check spam, re-runs) adds nothing but a run boundary.
    if (seen.has(line)) {
      if (bannerLinesText.has(line)) bannerLines.add(i);
      return;
    }
    seen.add(line);
    for (const table of TOOL_TABLES) {
      for (const banner of table.banners) {
        const m = banner.pattern.exec(line);
        if (!m) continue;
        bannerLines.add(i);
        bannerLinesText.add(line);
        const entry = found.get(table) ?? { first: i };
        entry.version ??= banner.version?.(m);
        found.set(table, entry);
      }
    }
  });
  let flashers = [...found.entries()].filter(([t]) => !t.wrapper).sort((a, b) => a[1].first - b[1].first);
  const wrappers = [...found.entries()].filter(([t]) => t.wrapper).sort((a, b) => a[1].first - b[1].first);
  if (flashers.length === 0) {
    // No banner (a truncated paste): the table whose rows match most lines wrote it.
    // Lines any tool prints (OS errors) say nothing about which tool it was. The head and tail
    // of a long log are enough to tell the tool.
    const sample = lines.length > VOTE_SAMPLE ? [...lines.slice(0, VOTE_SAMPLE / 2), ...lines.slice(-VOTE_SAMPLE / 2)] : lines;
    const specific = sample.filter((l) => match(generic, l).length === 0);
    const votes = TOOL_TABLES.filter((t) => !t.wrapper).map((t) => ({ t, n: specific.filter((l) => match(t, l).length > 0).length }));
    const best = votes.reduce((a, b) => (b.n > a.n ? b : a), { t: undefined as ToolSignatures | undefined, n: 0 });
    if (best.t) flashers = [[best.t, { first: -1 }]];
  }
  const tables = [...flashers.map(([t]) => t), ...wrappers.map(([t]) => t)];
  const [p, w] = [flashers[0], wrappers[0]];
  const primary = p ? { tool: p[0].tool, version: p[1].version } : w ? { tool: w[0].tool, version: w[1].version } : undefined;
  const wrapper = p && w ? { tool: w[0].tool, version: w[1].version } : undefined;
  return { tables, primary, wrapper, bannerLines };
}

interface Hit {
  row: Signature;
  m: RegExpExecArray;
  count: number;
}

type Matcher = (table: ToolSignatures, line: string) => Hit[];

/** Logs repeat lines by the thousand (link-check spam, progress): match each distinct line once. */
function memoMatcher(): Matcher {
  const memo = new Map<ToolSignatures, Map<string, Hit[]>>();
  return (table, line) => {
    let forTable = memo.get(table);
    if (!forTable) memo.set(table, (forTable = new Map()));
    let hits = forTable.get(line);
    if (!hits) forTable.set(line, (hits = matchLine(table, line)));
    return hits;
  };
}

const GLOBAL_PATTERNS = new WeakMap<RegExp, RegExp>();

function globalVersion(re: RegExp): RegExp {
  let g = GLOBAL_PATTERNS.get(re);
  if (!g) GLOBAL_PATTERNS.set(re, (g = new RegExp(re.source, `${re.flags.replace('g', '')}g`)));
  return g;
}

/** Messages sit at the start of a line or are appended at its end; keep both ends of huge lines. */
function clip(line: string): string {
  return line.length > MAX_LINE ? `${line.slice(0, MAX_LINE / 2)} … ${line.slice(-MAX_LINE / 2)}` : line;
}

function quote(line: string): string {
  const t = line.trim();
  return t.length > MAX_QUOTE ? `${t.slice(0, MAX_QUOTE - 1)}…` : t;
}

/**
 * The rows of one table that a line matches: every `repeat` row (items printed many to a line),
 * then the first other row in table order.
 */
function matchLine(table: ToolSignatures, line: string): Hit[] {
  const hits: Hit[] = [];
  for (const row of table.signatures) {
    if (!row.repeat) continue;
    const all = [...line.matchAll(globalVersion(row.pattern))];
    if (all.length > 0) hits.push({ row, m: all[all.length - 1] as RegExpExecArray, count: all.length });
  }
  for (const row of table.signatures) {
    if (row.repeat) continue;
    const m = row.pattern.exec(line);
    if (m) {
      hits.push({ row, m, count: 1 });
      break;
    }
  }
  return hits;
}

function mergeFacts(into: LogFacts, f: LogFacts): void {
  if (f.port && f.port !== 'None') into.port = f.port;
  if (f.chip) into.chip = f.chip;
  if (f.wrongChip) into.wrongChip = f.wrongChip;
  if (f.baud) into.baud = f.baud;
  if (f.flashId) into.flashId = f.flashId;
}

/** idf.py runs esptool from the build directory; its relative file names need that prefix. */
function workDirOf(lines: readonly string[]): string | undefined {
  for (const line of lines) {
    const m = /WORKING_DIRECTORY=("?)([^";\s]+)\1|Running ninja in directory (\S+)/.exec(line);
    if (m) return m[2] ?? m[3];
  }
  return undefined;
}

/**
 * The next step when the log has no command line: `doctor` tests the line; after a baud failure,
 * `info` at 115200 checks the link at the baud that works (the failed baud is never carried over).
 */
function renderCheck(facts: LogFacts, lowerBaud: boolean): string {
  const target = [`--port ${facts.port}`, ...(facts.chip ? [`--chip ${facts.chip}`] : [])];
  return (lowerBaud ? ['anyflash info', ...target, '--baud 115200'] : ['anyflash doctor', ...target]).join(' ');
}
