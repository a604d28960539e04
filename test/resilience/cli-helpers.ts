import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface SimProcess {
  child: ChildProcess;
  rfc2217: string;
  tcp: string;
  flashFile: string;
  stop(): Promise<void>;
  flash(): Uint8Array;
}

/** `anyflash sim` as a separate process (built CLI), serving a chip whose flash lives in a file. */
export async function startSim(chip: string, args: string[], dir: string): Promise<SimProcess> {
  const flashFile = join(dir, `${chip}-flash.bin`);
  const child = spawn(
    process.execPath,
    ['dist/cli/main.js', 'sim', chip, '--tcp', '127.0.0.1:0', '--rfc2217', '127.0.0.1:0', '--flash-file', flashFile, '--json', ...args],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let text = '';
  child.stdout!.setEncoding('utf8');
  const ready = await new Promise<{ tcp: string; rfc2217: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`sim did not start: ${text}`)), 15_000);
    child.stdout!.on('data', (d: string) => {
      text += d;
      const line = text.split('\n').find((l) => l.startsWith('{'));
      if (line) {
        clearTimeout(timer);
        resolve(JSON.parse(line) as { tcp: string; rfc2217: string });
      }
    });
    child.on('exit', (code) => reject(new Error(`sim exited with ${code}: ${text}`)));
  });
  return {
    child,
    ...ready,
    flashFile,
    flash: () => new Uint8Array(readFileSync(flashFile)),
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}

export function scratch(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}
