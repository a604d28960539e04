/** Thrown into a waiting reader when the chip loses power or resets: the running code is gone. */
export class PowerLost extends Error {}

/**
 * Bytes the chip's UART received, read by a running program (the stub's shell) one request at a
 * time, so the program can be written as a plain sequential loop.
 */
export class UartInput {
  private chunks: Uint8Array[] = [];
  private size = 0;
  private wake: (() => void) | null = null;
  private dead = false;

  push(bytes: Uint8Array): void {
    if (this.dead || bytes.length === 0) return;
    this.chunks.push(bytes);
    this.size += bytes.length;
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  kill(): void {
    this.dead = true;
    this.chunks = [];
    this.size = 0;
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  /** Next byte. */
  async byte(): Promise<number> {
    const b = await this.bytes(1);
    return b[0]!;
  }

  /** Exactly `n` bytes. */
  async bytes(n: number): Promise<Uint8Array> {
    while (this.size < n) {
      if (this.dead) throw new PowerLost();
      await new Promise<void>((r) => (this.wake = r));
    }
    if (this.dead) throw new PowerLost();
    const out = new Uint8Array(n);
    let off = 0;
    while (off < n) {
      const c = this.chunks[0]!;
      const take = Math.min(c.length, n - off);
      out.set(c.subarray(0, take), off);
      off += take;
      if (take === c.length) this.chunks.shift();
      else this.chunks[0] = c.subarray(take);
    }
    this.size -= n;
    return out;
  }
}
