import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { SimClock } from '../../src/sim/clock.js';
import type { SimDevice } from '../../src/sim/device.js';
import { SimLink } from '../../src/sim/link.js';
import { createSim } from '../../src/sim/registry.js';
import { serveSim, type SimServer } from '../../src/sim/server.js';
import type { SimOptions } from '../../src/sim/options.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Backups and journals of CLI runs go to a scratch home, never the user's ~/.anyflash. */
const scratchHome = mkdtempSync(join(tmpdir(), 'anyflash-home-'));

const cliMain = resolve('dist/cli/main.js');

/** Runs the real, built CLI (`npm test` builds first) in a child process, as a user would. */
export function runCli(args: string[], options: { timeoutMs?: number; env?: Record<string, string>; cwd?: string } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliMain, ...args], {
      cwd: options.cwd,
      env: { ...plainEnv(process.env), ANYFLASH_HOME: scratchHome, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`CLI timed out: anyflash ${args.join(' ')}\n${stderr}`));
    }, options.timeoutMs ?? 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

/** The caller's environment without our own settings or colour switches, so output is the same on every machine. */
function plainEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const colour = new Set(['FORCE_COLOR', 'NO_COLOR']);
  return Object.fromEntries(Object.entries(env).filter(([k]) => !k.startsWith('ANYFLASH_') && !colour.has(k)));
}

export interface ServedSim {
  device: SimDevice;
  link: SimLink;
  server: SimServer;
  tcpUrl: string;
  rfc2217Url: string;
}

/** A simulated chip served over TCP and RFC 2217 on ephemeral loopback ports. */
export async function serveTestSim(options: Partial<SimOptions> & { chip: string }): Promise<ServedSim> {
  const device = createSim({ clock: new SimClock(false), boot: 'download', ...options });
  const link = new SimLink(device, { latencyMs: 0, realtime: false });
  const server = await serveSim({ device, link, tcp: { host: '127.0.0.1', port: 0 }, rfc2217: { host: '127.0.0.1', port: 0 } });
  return { device, link, server, tcpUrl: server.urls.tcp!, rfc2217Url: server.urls.rfc2217! };
}
