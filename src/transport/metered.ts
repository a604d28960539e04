import type { ReadOptions } from './types.js';
import { TransportWrapper } from './wrapper.js';

/** Counts bytes on the wire and round trips for benchmarks and summaries. */
export class MeteredTransport extends TransportWrapper {
  bytesOut = 0;
  bytesIn = 0;
  writes = 0;

  override async write(data: Uint8Array): Promise<void> {
    this.bytesOut += data.length;
    this.writes++;
    await this.inner.write(data);
  }

  override async read(options: ReadOptions): Promise<Uint8Array> {
    const data = await this.inner.read(options);
    this.bytesIn += data.length;
    return data;
  }
}
