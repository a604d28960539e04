import { closeSync, existsSync, ftruncateSync, openSync, readFileSync, writeSync } from 'node:fs';
import type { FlashBacking } from '../sim/flash.js';
import type { FlashStore } from '../sim/port.js';

/**
 * Persists simulated flash to a file, writing through on every erase/program so another process
 * can read the file while the simulator runs.
 */
export class FlashFile implements FlashBacking {
  private fd: number;

  constructor(readonly path: string) {
    this.fd = openSync(path, existsSync(path) ? 'r+' : 'w+');
  }

  /** Existing contents, or undefined for a new file. */
  static load(path: string): Uint8Array | undefined {
    return existsSync(path) ? new Uint8Array(readFileSync(path)) : undefined;
  }

  /** Makes the file hold exactly `contents` (new file: 0xFF-filled flash). */
  init(contents: Uint8Array): void {
    ftruncateSync(this.fd, contents.length);
    writeSync(this.fd, contents, 0, contents.length, 0);
  }

  write(offset: number, data: Uint8Array): void {
    writeSync(this.fd, data, 0, data.length, offset);
  }

  close(): void {
    closeSync(this.fd);
  }
}

/** `sim:<chip>?flash-file=F` keeps the simulated flash in F, as `anyflash sim --flash-file` does. */
export const flashFileStore: FlashStore = {
  open: (path) => ({ initial: FlashFile.load(path), backing: new FlashFile(path) }),
};
