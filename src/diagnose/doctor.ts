/**
 * `anyflash doctor`: walks a port step by step — facts, open, echo test, each family's handshake,
 * listening at the usual bauds — and ends in one verdict with the fix. Transport-level only; the
 * CLI supplies how to open the port and the port's USB facts.
 */
import { AnyflashError, isAnyflashError, toAnyflashError, type ErrorCode } from '../core/errors.js';
import { containsBytes, textEncoder } from '../core/bytes.js';
import type { AnyflashEvent } from '../core/events.js';
import { deadlineIn, sleep } from '../core/time.js';
import { familiesFor, familyByName, normaliseChip } from '../families/index.js';
import type { Family, FamilyName } from '../families/types.js';
import type { Transport } from '../transport/types.js';
import { classifyConnect, type FamilyAttempt, type PortEvidence } from './connect.js';
import { listen, USUAL_BAUDS, type ListenResult } from './listen.js';
import { describeBridge, identifyBridge, vidPid } from './usb-bridges.js';
import { TracingTransport } from './wire-trace.js';

export type DoctorStepName = 'port' | 'open' | 'echo' | 'connect' | 'listen';

export interface DoctorStep {
  step: DoctorStepName;
  ok: boolean;
  detail: string;
}

export interface DoctorVerdict {
  ok: boolean;
  /** A stable cause code, or `ok` when a chip answered. */
  code: ErrorCode | 'ok';
  summary: string;
  advice: string[];
  evidence: string[];
  family?: FamilyName;
  chip?: string;
}

export interface DoctorResult {
  verdict: DoctorVerdict;
  steps: DoctorStep[];
  port: PortEvidence;
  listen: ListenResult[];
  /** The recorded wire, when the port was opened. */
  trace?: TracingTransport;
}

export interface DoctorOptions {
  url: string;
  /** Opens the port; open failures should already carry the explained AnyflashError. */
  open: () => Promise<Transport>;
  /** USB facts from the port listing (bridge, interface, siblings), when known. */
  port?: PortEvidence;
  chip?: string;
  /** Families to try; by default every family that `--chip` allows. */
  families?: readonly Family[];
  /** Reset+handshake attempts per family (kept short: doctor is about evidence, not persistence). */
  connectAttempts?: number;
  bauds?: readonly number[];
  listenMs?: number;
  traceLimit?: number;
  onStep?: (step: DoctorStep) => void;
  signal?: AbortSignal;
}

/**
 * Sent while the chip is held in reset: if it comes back unchanged, the line is looped. Control
 * and high bytes make sure a console that echoes what it is typed (RT-Thread `msh`, a shell
 * whose chip did not reset) cannot give it back byte for byte; no CR/LF, so no shell runs it.
 */
const ECHO_PATTERN = Uint8Array.from([0x00, 0xff, 0x55, 0xaa, 0x1b, 0x08, 0x7f, 0xc0, 0xdb, ...textEncoder.encode('AF-ECHO')]);
const ECHO_MS = 250;
/** Long enough to catch a firmware's periodic console line, short enough for four bauds. */
const LISTEN_MS = 700;

export async function runDoctor(options: DoctorOptions): Promise<DoctorResult> {
  const steps: DoctorStep[] = [];
  const step = (s: DoctorStep): void => {
    steps.push(s);
    options.onStep?.(s);
  };
  const port = portEvidence(options);
  const family = options.chip ? familyByName(normaliseChip(options.chip))?.name ?? familiesFor(options.chip)[0]?.name : undefined;
  step({ step: 'port', ok: port.role !== 'jtag', detail: describePortEvidence(port) });

  if (port.role === 'jtag') {
    return { verdict: fromDiagnosis(classifyConnect({ port, family })), steps, port, listen: [] };
  }

  let inner: Transport;
  try {
    inner = await options.open();
  } catch (e) {
    const error = toAnyflashError(e, 'port-error');
    if (error.code === 'aborted') throw error;
    step({ step: 'open', ok: false, detail: error.message });
    return { verdict: fromError(error), steps, port, listen: [] };
  }
  const traced = new TracingTransport(inner, options.traceLimit);
  fillFromTransport(port, inner);
  step({ step: 'open', ok: true, detail: `opened ${options.url} at ${inner.baud} baud${inner.canSignal ? '' : ' (no DTR/RTS)'}` });

  try {
    const echo = await echoTest(traced, options.signal);
    step({ step: 'echo', ok: echo !== 'loopback', detail: echoDetail(echo) });
    if (echo === 'loopback') {
      return { verdict: fromDiagnosis(classifyConnect({ port, family, echo, modemLineErrors: traced.modemErrors })), steps, port, listen: [], trace: traced };
    }

    const bootLog: string[] = [];
    const attempts: FamilyAttempt[] = [];
    const families = options.families ?? familiesFor(options.chip);
    const chip = options.chip && !familyByName(normaliseChip(options.chip)) ? normaliseChip(options.chip) : undefined;
    const startBaud = traced.baud;
    traced.startCapture();
    for (const f of families) {
      const started = performance.now();
      try {
        const device = await f.connect({
          transport: traced,
          chip,
          connectAttempts: options.connectAttempts ?? 2,
          wait: false,
          events: (e: AnyflashEvent) => {
            if (e.type === 'boot-log') bootLog.push(e.text);
          },
          signal: options.signal,
        });
        const info = await device.info().catch(() => undefined);
        step({ step: 'connect', ok: true, detail: `${f.name}: connected to ${device.chip}` });
        await device.reset('hard').catch(() => {});
        await device.disconnect().catch(() => {});
        traced.stopCapture();
        return {
          verdict: {
            ok: true,
            code: 'ok',
            summary: `${info?.description ?? device.chip} answered${info ? ` via ${info.strategy} at ${info.baud} baud` : ''}: the port, wiring and boot mode work.`,
            advice: [],
            evidence: steps.map((s) => `${s.step}: ${s.detail}`),
            family: f.name,
            chip: device.chip,
          },
          steps,
          port,
          listen: [],
          trace: traced,
        };
      } catch (caught) {
        const e = asAnyflashError(caught);
        if (!e || e.code === 'aborted' || e.isInputError) throw caught;
        const ms = performance.now() - started;
        attempts.push({ family: f.name, code: e.code, message: e.message, evidence: e.evidence, ms });
        step({ step: 'connect', ok: false, detail: `${f.name}: ${e.code} after ${(ms / 1000).toFixed(1)} s — ${e.message}` });
        if (traced.canSetBaud && traced.baud !== startBaud) await traced.setBaud(startBaud).catch(() => {});
      }
    }
    const received = traced.stopCapture();

    const heard = await listen(traced, { bauds: options.bauds ?? USUAL_BAUDS, msPerBaud: options.listenMs ?? LISTEN_MS, signal: options.signal });
    for (const l of heard) {
      step({ step: 'listen', ok: l.readable, detail: `${l.baud} baud: ${l.bytes} B${l.bytes ? (l.readable ? ', readable text' : ', not text') : ''}` });
    }
    const diagnosis = classifyConnect({
      family,
      chip,
      port,
      received,
      bootLog,
      listen: heard,
      echo,
      modemLineErrors: inner.canSignal ? traced.modemErrors : [`the ${inner.kind} transport cannot drive DTR/RTS`, ...traced.modemErrors],
      attempts,
    });
    return { verdict: fromDiagnosis(diagnosis), steps, port, listen: heard, trace: traced };
  } finally {
    await traced.close().catch(() => {});
  }
}

/**
 * Holds the chip in reset (EN/CEN low through RTS, BOOT released) and sends a pattern: a running
 * chip cannot answer, so whatever comes back unchanged is our own bytes — a loop or short.
 */
async function echoTest(t: TracingTransport, signal?: AbortSignal): Promise<'loopback' | 'none' | 'untested'> {
  let held = false;
  if (t.canSignal) {
    try {
      await t.setSignals({ dtr: false, rts: true });
      held = true;
      await sleep(50, signal);
    } catch (e) {
      if (isAnyflashError(e, 'aborted')) throw e;
    }
  }
  try {
    await t.flushInput();
    await t.write(ECHO_PATTERN);
    const got: number[] = [];
    const deadline = deadlineIn(ECHO_MS);
    while (got.length < 4096) {
      const chunk = await t.read({ deadline, signal });
      if (chunk.length === 0) break;
      got.push(...chunk);
      if (containsBytes(Uint8Array.from(got), ECHO_PATTERN)) return 'loopback';
    }
    return 'none';
  } catch (e) {
    if (isAnyflashError(e, 'aborted')) throw e;
    return 'untested';
  } finally {
    if (held) await t.setSignals({ dtr: false, rts: false }).catch(() => {});
  }
}

/**
 * Like `isAnyflashError`, but also accepts one from a second copy of the errors module (a family
 * module loaded through a dynamic import can bring its own under some loaders).
 */
function asAnyflashError(e: unknown): AnyflashError | undefined {
  if (isAnyflashError(e)) return e;
  if (e instanceof Error && e.name === 'AnyflashError' && typeof (e as { code?: unknown }).code === 'string') {
    const like = e as Error & { code: ErrorCode; advice?: string[]; evidence?: string[] };
    return new AnyflashError(like.code, like.message, { advice: like.advice, evidence: like.evidence, cause: e });
  }
  return undefined;
}

function echoDetail(echo: 'loopback' | 'none' | 'untested'): string {
  if (echo === 'loopback') return 'our bytes came back unchanged: TX and RX are looped';
  if (echo === 'none') return 'our bytes did not come back (no loop or short)';
  return 'could not run the echo test';
}

function portEvidence(options: DoctorOptions): PortEvidence {
  const p: PortEvidence = { path: options.url, ...options.port };
  if (!p.bridge && p.vid !== undefined) {
    const match = identifyBridge(p.vid, p.pid, p.interfaceNumber);
    if (match) {
      p.bridge = describeBridge(match);
      p.role = match.role;
    }
  }
  return p;
}

/** Transports that know their USB ids (e.g. Web Serial, node-serial) fill in what the listing lacked. */
function fillFromTransport(port: PortEvidence, t: Transport): void {
  if (port.vid !== undefined || t.facts.vid === undefined) return;
  port.vid = t.facts.vid;
  port.pid = t.facts.pid;
  port.interfaceNumber = t.facts.interfaceNumber;
  const match = identifyBridge(port.vid, port.pid, port.interfaceNumber);
  if (match) {
    port.bridge = describeBridge(match);
    port.role = match.role;
  }
}

function describePortEvidence(p: PortEvidence): string {
  const parts = [p.path ?? '?'];
  if (p.vid !== undefined) parts.push(vidPid(p.vid, p.pid));
  if (p.bridge) parts.push(p.bridge);
  if (p.interfaceNumber !== undefined) parts.push(`interface ${p.interfaceNumber}`);
  return parts.join(', ');
}

function fromDiagnosis(d: ReturnType<typeof classifyConnect>): DoctorVerdict {
  return { ok: false, code: d.code, summary: d.summary, advice: d.advice, evidence: d.evidence, ...(d.family ? { family: d.family } : {}) };
}

function fromError(e: AnyflashError): DoctorVerdict {
  return { ok: false, code: e.code, summary: e.message, advice: [...e.advice], evidence: [...e.evidence] };
}
