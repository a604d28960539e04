import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { outColors, type Colors } from '../colors.js';
import type { ExplainResult } from '../../diagnose/explain.js';


const DEFAULT_TIMEOUT_S = 600;
/** Output kept from a command run under `explain --`; the end of a log is where failures are. */
const MAX_CAPTURE = 4 * 1024 * 1024;

export function register(program: Command): void {
  program
    .command('explain')
    .description("Explain a failure from another flasher's log (esptool, espflash, esptool-js, bk7231tools, ltchiptool, BK7231 GUI, sftool, idf.py, west)")
    .argument('[input...]', 'a log file, - for stdin (the default); or, after --, a command to run and explain')
    .option('--json', 'print {tool, version, step, causes, suggestion, family, chip, undecided, …} as JSON')
    .option('--timeout <seconds>', 'stop a command run after -- when it takes longer', String(DEFAULT_TIMEOUT_S))
    .addHelpText('after', '\nExamples:\n  anyflash explain flash.log\n  esptool.py write_flash 0x0 fw.bin 2>&1 | anyflash explain\n  anyflash explain -- idf.py -p /dev/ttyUSB0 flash')
    .action(async (input: string[], opts: { json?: boolean; timeout: string }, cmd: Command) => {
      let text: string;
      try {
        const timeoutS = Number(opts.timeout);
        if (!(timeoutS > 0)) throw new Error(`--timeout ${opts.timeout}: give a number of seconds greater than 0`);
        text = isCommandMode(cmd, input)
          ? await runCommand(input, timeoutS * 1000)
          : await readInput(input[0]);
      } catch (e) {
        process.stderr.write(`anyflash explain: ${e instanceof Error ? e.message : String(e)}\n`);
        process.exitCode = 2;
        return;
      }
      // The signature tables load only when something is explained.
      const { explain } = await import('../../diagnose/explain.js');
      const result = explain(text);
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(toJson(result), null, 2)}\n`);
      } else {
        process.stdout.write(renderExplanation(result, outColors));
      }
    });
}

/** The documented JSON shape; absent facts are null so consumers see every key. */
export function toJson(r: ExplainResult): Record<string, unknown> {
  return {
    tool: r.tool,
    version: r.version ?? null,
    step: r.step ?? null,
    causes: r.causes,
    suggestion: r.suggestion ?? null,
    success: r.success,
    recognised: r.recognised,
    summary: r.summary,
    notes: r.notes,
    distinguish: r.distinguish ?? null,
    family: r.family ?? null,
    chip: r.chip ?? null,
    web: r.web ?? false,
    undecided: r.undecided ?? null,
  };
}

/** `explain -- cmd …` runs a command; `explain FILE` reads a file. Commander drops the `--`, so look for it. */
function isCommandMode(cmd: Command, input: string[]): boolean {
  const raw = (cmd.parent as (Command & { rawArgs?: string[] }) | null)?.rawArgs ?? process.argv;
  const at = raw.indexOf('explain');
  return (at >= 0 && raw.indexOf('--', at) > at) || input.length > 1;
}

async function readInput(path: string | undefined): Promise<string> {
  if (path !== undefined && path !== '-') {
    try {
      return await readFile(path, 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new Error(code === 'ENOENT' ? `${path}: no such file` : `${path}: cannot read (${code ?? String(e)})`);
    }
  }
  if (process.stdin.isTTY) process.stderr.write('Paste the log, then press Ctrl-D (Ctrl-Z Enter on Windows).\n');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Runs the command, shows its output as it comes (on stderr) and returns stdout+stderr interleaved. */
export function runCommand(argv: string[], timeoutMs: number): Promise<string> {
  const [file, ...args] = argv;
  if (!file) return Promise.reject(new Error('no command given after --'));
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ['inherit', 'pipe', 'pipe'], shell: process.platform === 'win32' });
    let out = '';
    const take = (chunk: Buffer): void => {
      process.stderr.write(chunk);
      out = (out + chunk.toString('utf8')).slice(-MAX_CAPTURE);
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 2000).unref();
    }, timeoutMs);
    child.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new Error(e.code === 'ENOENT' ? `${file}: command not found` : `${file}: ${e.message}`));
    });
    child.on('close', () => {
      clearTimeout(timer);
      resolve(timedOut ? `${out}\n[stopped by anyflash explain after ${timeoutMs / 1000} s]\n` : out);
    });
  });
}

export function renderExplanation(r: ExplainResult, c: Colors): string {
  const out: string[] = [];
  const tool = r.recognised
    ? `${r.tool}${r.version ? ` v${r.version}` : ''}${r.wrapper ? ` (run by ${r.wrapper})` : ''}`
    : 'not recognised (no known flasher output found)';
  out.push(`${c.bold('Tool:')} ${tool}`);
  if (r.chip) out.push(`${c.bold('Chip:')} ${r.chip}${r.web ? ' (browser flasher)' : ''}`);
  else if (r.family) out.push(`${c.bold('Family:')} ${r.family}${r.web ? ' (browser flasher)' : ''}`);
  if (r.step) out.push(`${c.bold('Step:')} ${r.step === 'done' ? 'finished' : r.step}`);
  const [top, ...others] = r.causes;
  const headline = r.success && !top ? c.green(r.summary) : top ? c.red(r.summary) : c.yellow(r.summary);
  out.push(`${c.bold('What happened:')} ${headline}${top ? c.dim(` [${top.code}]`) : ''}`);
  if (top) {
    for (const line of top.evidence) out.push(c.dim(`  > ${line}`));
    out.push(c.bold('What to do:'));
    top.advice.forEach((a, i) => out.push(`  ${i + 1}. ${a}`));
  }
  if (others.length > 0) {
    out.push(c.bold('Also possible:'));
    for (const o of others) {
      out.push(`  - ${o.code} (${Math.round(o.confidence * 100)}%): ${o.advice[0] ?? ''}`);
    }
  }
  if (r.undecided) out.push(`${c.yellow('Undecided:')} ${r.undecided.text}`);
  if (r.distinguish) {
    out.push(c.bold('To tell them apart:'));
    for (const d of r.distinguish) out.push(`  - ${d}`);
  }
  for (const note of r.notes) out.push(`${c.yellow('Note:')} ${note}`);
  if (r.suggestion) {
    out.push(c.bold(r.success || r.suggestion.startsWith('anyflash doctor') ? 'With anyflash:' : 'The same job with anyflash:'));
    out.push(`  ${c.cyan(r.suggestion)}`);
  }
  return `${out.join('\n')}\n`;
}
