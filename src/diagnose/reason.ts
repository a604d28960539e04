import type { BootContext } from '../core/boot-entry.js';
import type { ErrorCode } from '../core/errors.js';
import { adviceFor, type AdviceContext } from './advice.js';
import type { Step } from './signatures/types.js';

/** One observation pointing at a cause. */
export interface Evidence {
  code: ErrorCode;
  /** How strongly this observation alone implies the cause, 0..1. */
  weight: number;
  /** The log line or fact, as the user should see it. */
  text: string;
  /** Position in the log (or any monotonic order); later evidence is closer to the failure. */
  order: number;
  step?: Step;
  /** The first step this observation calls for, ahead of the code's general advice. */
  lead?: (ctx: BootContext) => string;
  /**
   * Generic causes this observation accounts for: a specific reading of a failure (an old tool
   * over native USB) halves the generic reading of the same lines (a timeout) so it cannot outrank it.
   */
  explains?: readonly ErrorCode[];
}

/** A failure the tool hit at a flash address (retried or final). */
export interface Incident {
  address: number;
  step?: Step;
  order: number;
  /** True when work at other addresses (or a new run) happened since the previous incident. */
  separated: boolean;
  /** The line named no address; it was taken from the last progress line, so a later stated one wins. */
  inferred?: boolean;
}

export interface ReasonInput {
  evidence: readonly Evidence[];
  incidents?: readonly Incident[];
  /** Units of work (sectors, blocks, progress lines) that completed before the first incident. */
  goodWorkBeforeFailure?: number;
  /** Work completed at all (a good start for failures that carry no address). */
  goodWork?: number;
  connectAttempts?: number;
  connected?: boolean;
  /** The family's loader listens only briefly after reset (Beken, SiFli SF32LB52). */
  shortBootWindow?: boolean;
  /** Family, chip and front end the advice is worded for. */
  context?: AdviceContext;
}

export interface RankedCause {
  code: ErrorCode;
  /** 0..1, combined from all evidence for this code. */
  confidence: number;
  evidence: string[];
  advice: string[];
  /** The step of the latest evidence for this cause. */
  step?: Step;
}

export interface Reasoning {
  causes: RankedCause[];
  /** When the top causes are close: for each, the observation that would confirm it. */
  distinguish?: string[];
}

const MAX_CAUSES = 4;
const MAX_EVIDENCE_LINES = 5;
const MIN_CONFIDENCE = 0.25;

/** Combines evidence into ranked causes, adding what the pattern of evidence implies. */
export function reason(input: ReasonInput): Reasoning {
  const evidence = rankAcrossRun([...input.evidence, ...patternEvidence(input)]);
  const byCode = new Map<ErrorCode, Evidence[]>();
  for (const e of evidence) {
    const list = byCode.get(e.code) ?? [];
    list.push(e);
    byCode.set(e.code, list);
  }
  const scored = [...byCode.entries()].map(([code, list]) => {
    // Noisy-OR per kind of message: repeating a line (at other addresses or attempts) does not
    // make a cause more certain; where and how often it failed is the pattern rules' job.
    const strongest = new Map<string, number>();
    for (const e of list) {
      const key = e.text.replace(/0x[0-9a-f]+|\d+/gi, '#');
      strongest.set(key, Math.max(strongest.get(key) ?? 0, e.weight));
    }
    let miss = 1;
    for (const w of strongest.values()) miss *= 1 - Math.min(Math.max(w, 0), 1);
    const latest = list.reduce((a, b) => (b.order > a.order ? b : a));
    const ranked = list.sort((a, b) => b.weight - a.weight || a.order - b.order);
    const texts = [...new Set(ranked.map((e) => e.text))];
    const lead = ranked.find((e) => e.lead)?.lead?.(input.context ?? {});
    const general = adviceFor(code, input.context).advice;
    return {
      code,
      confidence: Math.round(Math.min(1 - miss, 0.97) * 100) / 100,
      evidence: texts.slice(0, MAX_EVIDENCE_LINES),
      advice: lead ? [lead, ...general.filter((a) => a !== lead)] : [...general],
      step: latest.step,
      latest: latest.order,
    };
  });
  scored.sort((a, b) => b.confidence - a.confidence || b.latest - a.latest);
  const causes = scored
    .filter((c) => c.confidence >= MIN_CONFIDENCE)
    .slice(0, MAX_CAUSES)
    .map(({ latest: _latest, ...c }) => c);
  return { causes, distinguish: distinguish(causes) };
}

/** Causes that follow from a port that opened: they say nothing while the port itself failed to open. */
const NEEDS_OPEN_PORT = new Set<ErrorCode>(['no-response', 'wrong-boot-mode', 'boot-window-missed', 'no-sync-reply', 'firmware-owns-uart', 'timeout', 'baud-mismatch']);
const OPENING = new Set<ErrorCode>(['port-busy', 'port-permission', 'port-not-found', 'port-error', 'no-port', 'port-not-tty']);

/**
 * Weighs evidence by where it sits in the run:
 * - a port that failed to open outranks "no reply" lines unless the tool later opened it and
 *   talked to the chip (a transient open failure during retries is not the cause);
 * - failures at varying addresses after a good start outrank a port that re-enumerates later
 *   (people unplug and replug while debugging a weak supply).
 */
function rankAcrossRun(evidence: Evidence[]): Evidence[] {
  const opening = evidence.filter((e) => OPENING.has(e.code) && e.step === 'open-port' && e.weight >= 0.5);
  const lastOpen = Math.max(-1, ...opening.map((e) => e.order));
  const talkedAfter = evidence.some((e) => e.order > lastOpen && NEEDS_OPEN_PORT.has(e.code) && e.step !== 'open-port' && e.weight >= 0.4);
  const power = evidence.find((e) => e.code === 'brownout-suspected' && e.weight >= 0.9 && /varying addresses/.test(e.text));
  const explained = new Set(evidence.filter((e) => e.weight >= 0.8).flatMap((e) => e.explains ?? []));
  return evidence.map((e) => {
    if (explained.has(e.code)) return { ...e, weight: e.weight * 0.5 };
    if (lastOpen >= 0 && !talkedAfter && NEEDS_OPEN_PORT.has(e.code)) return { ...e, weight: e.weight * 0.5 };
    if (lastOpen >= 0 && talkedAfter && OPENING.has(e.code)) return { ...e, weight: e.weight * 0.5 };
    if (power && e.code === 'port-vanished') return { ...e, weight: e.weight * 0.7 };
    return e;
  });
}

/** Evidence that no single line carries: where and how often things failed. */
function patternEvidence(input: ReasonInput): Evidence[] {
  const out: Evidence[] = [];
  const incidents = input.incidents ?? [];
  // Pattern evidence sits after everything it summarises.
  let order = 0;
  for (const x of [...input.evidence, ...incidents]) order = Math.max(order, x.order);
  const goodStart = (input.goodWorkBeforeFailure ?? 0) > 0;
  if (incidents.length > 0) {
    // Failures with no work in between are one incident (retries of one sector, a final error
    // after them) unless they name different addresses; an address inferred from progress gives
    // way to one the tool states. Only separated failures count as "again".
    const groups: Incident[] = [];
    for (const i of incidents) {
      const last = groups[groups.length - 1];
      const sameIncident = last && !i.separated && (i.address === last.address || i.inferred || last.inferred);
      if (!sameIncident) groups.push({ ...i });
      else if (!i.inferred) Object.assign(last, { address: i.address, inferred: false });
    }
    const addresses = [...new Set(groups.map((g) => g.address))];
    const step = groups[groups.length - 1]!.step;
    const list = addresses.slice(0, 6).map(hexAddr).join(', ');
    if (addresses.length >= 2) {
      out.push({
        code: 'brownout-suspected',
        weight: goodStart ? 0.9 : 0.7,
        text: `Failures at varying addresses (${list})${goodStart ? ' after a good start' : ''}: the chip drops out under load.`,
        order,
        step,
      });
    } else if (groups.length >= 2) {
      const at = hexAddr(addresses[0]!);
      if (goodStart) {
        out.push({ code: 'flash-fault', weight: 0.85, text: `Failed ${groups.length} times at the same address ${at} after writing other sectors fine.`, order, step });
        out.push({ code: 'flash-protected', weight: 0.45, text: `Every attempt fails at ${at}.`, order, step });
      } else {
        out.push({ code: 'flash-protected', weight: 0.85, text: `Failed ${groups.length} times at the same address ${at}, the first one written.`, order, step });
        out.push({ code: 'flash-fault', weight: 0.45, text: `Every attempt fails at ${at}.`, order, step });
      }
    } else if (goodStart) {
      // One failure after good work: power is the usual answer; a rerun tells it from a bad sector.
      out.push({ code: 'brownout-suspected', weight: 0.55, text: `Stopped answering at ${hexAddr(addresses[0]!)} after a good start.`, order, step });
      out.push({ code: 'flash-fault', weight: 0.2, text: `Only ${hexAddr(addresses[0]!)} failed.`, order, step });
    }
  }
  // ESP: the link failing while the RAM stub is uploaded or starting is a stub failure, whatever
  // the message (corrupted bytes over native USB). Beken and SiFli chips going silent during their
  // first large transfer are the ordinary mid-operation silence: power first.
  const inStub = input.evidence.filter((e) => e.step === 'stub' && (e.code === 'timeout' || e.code === 'garbled-reply') && e.weight >= 0.5);
  const family = input.context?.family;
  if (inStub.length > 0 && (family === undefined || family === 'esp')) {
    out.push({ code: 'stub-failed', weight: 0.65, text: `${inStub[inStub.length - 1]!.text} (while starting the flasher stub)`, order });
  }
  const vanished = input.evidence.some((e) => e.code === 'port-vanished' && e.weight >= 0.5);
  if (vanished && ((input.goodWork ?? 0) > 0 || goodStart)) {
    out.push({ code: 'brownout-suspected', weight: 0.4, text: 'The port disappeared in the middle of the work: the USB bridge may have browned out with the target.', order });
  }
  const failures = input.evidence.some((e) => e.weight >= 0.5);
  if (!input.connected && (input.connectAttempts ?? 0) >= 3 && !failures) {
    out.push({ code: 'no-response', weight: 0.6, text: `${input.connectAttempts} connection attempts without a reply.`, order });
    if (input.shortBootWindow) {
      out.push({ code: 'boot-window-missed', weight: 0.5, text: 'The loader answers only for a moment after reset; the attempts never met that window.', order });
    }
  }
  return out;
}

function distinguish(causes: readonly RankedCause[]): string[] | undefined {
  const [first] = causes;
  if (!first) return undefined;
  const close = causes.filter((c) => c.confidence >= first.confidence * 0.6 && adviceFor(c.code).confirm);
  return close.length >= 2 ? close.map((c) => `${c.code}: ${adviceFor(c.code).confirm}`) : undefined;
}

function hexAddr(n: number): string {
  return `0x${n.toString(16).toUpperCase()}`;
}
