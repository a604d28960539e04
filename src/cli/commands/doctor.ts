import type { Command } from 'commander';
import { Option } from 'commander';
import { realpathSync, writeFileSync } from 'node:fs';
import { arch, release } from 'node:os';
import { errColors, outColors as pc } from '../colors.js';
import { VERSION } from '../version.js';
import { AnyflashError, toAnyflashError } from '../../core/errors.js';
import type { PortEvidence } from '../../diagnose/connect.js';
import type { DoctorResult, DoctorStep } from '../../diagnose/doctor.js';
import { listPorts, siblingPorts, type SerialPortInfo } from '../../diagnose/ports.js';
import { parseNumber } from '../../engine/parse.js';
import { outputOptions } from '../common.js';
import { Output } from '../output.js';
import { resolvePort } from './list.js';

interface DoctorFlags {
  port?: string;
  chip?: string;
  connectAttempts?: string;
  report?: string;
  json?: boolean;
  jsonEvents?: boolean;
  verbose?: boolean;
}

export function register(program: Command): void {
  outputOptions(
    program
      .command('doctor')
      .description('find out why a board does not connect: port, echo test, every handshake, listening at the usual bauds')
      .addOption(new Option('-p, --port <port>', 'serial port, tcp://, rfc2217:// or sim:<chip> (chosen when only one exists)').env('ANYFLASH_PORT'))
      .addOption(new Option('-c, --chip <chip>', 'chip or family to try (all families when omitted)').env('ANYFLASH_CHIP'))
      .option('--connect-attempts <n>', 'reset+handshake attempts per family', '2')
      .option('--report <file>', 'write a bug-report bundle: versions, OS, port facts, wire trace, verdict'),
  ).action(async (flags: DoctorFlags) => {
    const out = new Output(flags);
    try {
      const connectAttempts = parseNumber(flags.connectAttempts ?? '2', '--connect-attempts');
      const [{ runDoctor }, { openPort }] = await Promise.all([import('../../diagnose/doctor.js'), import('../open-port.js')]);
      const url = await resolvePort(flags.port, out.events);
      const facts = await portFacts(url);
      const result = await runDoctor({
        url,
        open: () => openPort(url, out.events),
        port: facts,
        chip: flags.chip,
        connectAttempts,
        onStep: (s) => out.say(stepLine(s)),
      });
      if (flags.report) writeReport(flags.report, url, result);
      const v = result.verdict;
      out.result(
        { ok: v.ok, code: v.code, summary: v.summary, advice: v.advice, evidence: v.evidence, ...(v.family ? { family: v.family } : {}), ...(v.chip ? { chip: v.chip } : {}), steps: result.steps },
        humanVerdict(result, Boolean(flags.verbose), flags.report),
      );
      process.exitCode = v.ok ? 0 : 1;
    } catch (e) {
      process.exitCode = out.fail(toAnyflashError(e));
    }
  });
}

/** USB facts and sibling channels of a local port, from the listing; nothing for network/sim URLs. */
async function portFacts(url: string): Promise<PortEvidence | undefined> {
  if (/^[a-z][a-z0-9+.-]+:/i.test(url) && !/^(serial|file):/i.test(url)) return undefined;
  const path = url.replace(/^(serial|file):(\/\/)?/i, '');
  const ports = await listPorts();
  const real = safeRealpath(path);
  const port = ports.find((p) => p.path === path || p.byId === path || p.path === real);
  if (!port) return undefined;
  return toEvidence(port, siblingPorts(port, ports).map((p) => p.path));
}

function toEvidence(p: SerialPortInfo, siblings: string[]): PortEvidence {
  return {
    path: p.path,
    ...(p.vid !== undefined ? { vid: p.vid, pid: p.pid } : {}),
    ...(p.interfaceNumber !== undefined ? { interfaceNumber: p.interfaceNumber } : {}),
    ...(p.bridge ? { bridge: p.bridge, role: p.role } : {}),
    ...(siblings.length ? { siblings } : {}),
  };
}

function safeRealpath(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}

function stepLine(s: DoctorStep): string {
  return `${s.ok ? errColors.green('✓') : errColors.yellow('✗')} ${s.step.padEnd(7)} ${s.detail}`;
}

const TRACE_LINES_SHOWN = 80;

/** One line what happened, one line what to do, then the evidence as bullets. */
function humanVerdict(result: DoctorResult, verbose: boolean, report?: string): string[] {
  const v = result.verdict;
  const lines = [v.ok ? pc.green(v.summary) : `${pc.red(`[${v.code}]`)} ${v.summary}`];
  if (v.advice.length) {
    lines.push(`${pc.yellow('what to do:')} ${v.advice[0]}`);
    if (verbose) for (const a of v.advice.slice(1)) lines.push(`  also: ${a}`);
  }
  if (v.evidence.length) {
    lines.push('evidence:');
    for (const e of v.evidence) lines.push(`  • ${e}`);
  }
  if (!verbose && v.advice.length > 1) lines.push(pc.dim(`(--verbose shows ${v.advice.length - 1} more step${v.advice.length > 2 ? 's' : ''} and the wire trace)`));
  if (verbose && result.trace) {
    const trace = result.trace.lines();
    lines.push(trace.length > TRACE_LINES_SHOWN ? `wire trace (last ${TRACE_LINES_SHOWN} of ${trace.length} entries; --report keeps them all):` : 'wire trace:');
    for (const l of trace.slice(-TRACE_LINES_SHOWN)) lines.push(`  ${l}`);
  }
  if (report) lines.push(`report written to ${report}`);
  return lines;
}

/** A bundle for a bug report: enough to see what the wire did without the person's board. */
function writeReport(file: string, url: string, result: DoctorResult): void {
  const bundle = {
    anyflash: VERSION,
    node: process.version,
    os: { platform: process.platform, release: release(), arch: arch() },
    date: new Date().toISOString(),
    port: { url, ...result.port },
    steps: result.steps,
    listen: result.listen.map((l) => ({ baud: l.baud, bytes: l.bytes, readable: l.readable, text: l.text.slice(0, 2000) })),
    verdict: result.verdict,
    modemLineErrors: result.trace?.modemErrors ?? [],
    trace: result.trace?.lines() ?? [],
  };
  try {
    writeFileSync(file, JSON.stringify(bundle, null, 2) + '\n');
  } catch (e) {
    throw new AnyflashError('bad-input', `Could not write the report to ${file}.`, { cause: e, file, advice: ['Choose a writable path for --report.'] });
  }
}
