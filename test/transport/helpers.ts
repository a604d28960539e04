import { spawn, type ChildProcess } from 'node:child_process';
import { SimClock } from '../../src/sim/clock.js';
import { SimDevice } from '../../src/sim/device.js';
import { SimFlash } from '../../src/sim/flash.js';

/** A trivial chip for transport tests: echoes what it receives and records its lines and baud. */
export class EchoDevice extends SimDevice {
  readonly family = 'test';
  readonly chip = 'echo';
  received: number[] = [];
  lineLog: Array<{ dtr: boolean; rts: boolean }> = [];
  disposed = false;

  constructor() {
    super(new SimClock(false), new SimFlash(4096));
  }

  receive(bytes: Uint8Array): void {
    this.received.push(...bytes);
    this.send(bytes);
  }

  override setLines(dtr: boolean, rts: boolean): void {
    this.lineLog.push({ dtr, rts });
  }

  /** Lets tests make the chip speak on its own. */
  say(bytes: Uint8Array): void {
    this.send(bytes);
  }

  control(command: string): string {
    return command === 'status' ? `lines ${JSON.stringify(this.lineLog.at(-1) ?? null)}` : `unknown command: ${command}`;
  }

  override dispose(): void {
    this.disposed = true;
  }
}

export interface PtyPair {
  a: string;
  b: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** Two linked pseudo-terminals from socat; bytes written to one come out of the other. */
export function ptyPair(): Promise<PtyPair> {
  return new Promise((resolve, reject) => {
    const child = spawn('socat', ['-d', '-d', 'pty,raw,echo=0', 'pty,raw,echo=0'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`socat did not report two ptys: ${log}`));
    }, 5000);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (text: string) => {
      log += text;
      const paths = [...log.matchAll(/PTY is (\S+)/g)].map((m) => m[1]!);
      if (paths.length === 2 && /starting data transfer loop/.test(log)) {
        clearTimeout(timer);
        resolve({ a: paths[0]!, b: paths[1]!, process: child, stop: () => stopChild(child) });
      }
    });
  });
}

export function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** Reads until `n` bytes arrived or `ms` passed. */
export async function readExactly(
  transport: { read(o: { deadline: number }): Promise<Uint8Array> },
  n: number,
  ms = 2000,
): Promise<Uint8Array> {
  const deadline = performance.now() + ms;
  const out: number[] = [];
  while (out.length < n) {
    const chunk = await transport.read({ deadline });
    if (chunk.length === 0) break;
    out.push(...chunk);
  }
  return Uint8Array.from(out);
}
