/**
 * Streaming zlib for FLASH_DEFL writes: the image is compressed a slice at a time while earlier
 * blocks cross the wire and the chip programs them, so the first block leaves at once instead of
 * after a whole-image deflate. Node uses its C zlib on the libuv thread pool (about 50 ms per MiB
 * at level 9 against fflate's 110–340 ms, and 1 % smaller); the browser uses fflate.
 *
 * In Node each slice ends in a sync flush, so the compressed stream up to a flush point inflates to
 * exactly the input fed before it: that gives, without inflating anything, a sure lower bound of the
 * data a block completes (the restart point after a lost block) and an upper bound (its reply
 * deadline). fflate 0.8's sync flush emits a broken stream after stored blocks (incompressible
 * data), so the browser path does not flush and counts the lower bound with a host-side inflater.
 */
import type { Unzlib } from 'fflate';

/**
 * Input per sync flush: at most 16 KiB (the first block is ready within a few ms, flushes cost
 * ~0.1 %), and no more than a block, so that on a noisy line (small blocks) every block completes
 * a flush point and a restart resumes from the last acknowledged block, not 16 KiB earlier.
 */
const MAX_SLICE = 0x4000;

function sliceFor(blockSize: number): number {
  return Math.min(MAX_SLICE, blockSize);
}
/**
 * Level 9: measured on the bench app image, node zlib levels 6 and 9 take the same time (~45 ms
 * per MiB) and 9 is smallest; fflate's level 6 is no smaller than its 9 but faster. The wire is
 * the bound for most images, so the smaller stream wins.
 */
const NODE_LEVEL = 9;
const FFLATE_LEVEL = 6;

export interface DeflatedBlock {
  data: Uint8Array;
  /** Input bytes the stream up to this block's end surely inflates to. */
  inflatedAtLeast: number;
  /** Input bytes the stream up to this block's end can at most inflate to. */
  inflatedAtMost: number;
}

interface SliceCompressor {
  /** Compresses one slice (the last one ends the stream) and returns the output available so far. */
  compress(slice: Uint8Array, final: boolean): Promise<Uint8Array[]>;
  /** Each slice's output is complete (sync-flushed): all the stream holds for the input so far. */
  flushed: boolean;
  close(): void;
}

const isNode = typeof process !== 'undefined' && typeof process.versions?.node === 'string';

async function nodeCompressor(): Promise<SliceCompressor> {
  const zlib = await import('node:zlib');
  const deflate = zlib.createDeflate({ level: NODE_LEVEL });
  let out: Uint8Array[] = [];
  deflate.on('data', (chunk: Uint8Array) => out.push(chunk));
  let failure: Error | undefined;
  deflate.on('error', (e) => (failure = e));
  const compress = (slice: Uint8Array, final: boolean) =>
    new Promise<Uint8Array[]>((resolve, reject) => {
      const done = () => {
        if (failure) return reject(failure);
        const chunks = out;
        out = [];
        resolve(chunks);
      };
      if (final) {
        deflate.once('end', done);
        deflate.end(slice);
        deflate.resume();
      } else {
        deflate.write(slice);
        deflate.flush(zlib.constants.Z_SYNC_FLUSH, done);
      }
    });
  return { compress, flushed: true, close: () => deflate.destroy() };
}

/** fflate is loaded only where it is used (the browser), not on every CLI start. */
async function fflateCompressor(): Promise<SliceCompressor> {
  const { Zlib } = await import('fflate');
  let out: Uint8Array[] = [];
  const deflate = new Zlib({ level: FFLATE_LEVEL }, (chunk) => out.push(chunk));
  return {
    compress: async (slice, final) => {
      deflate.push(slice, final);
      const chunks = out;
      out = [];
      return chunks;
    },
    flushed: false,
    close: () => {},
  };
}

/** The most a zlib stream of `size` input bytes in `blockSize` blocks can take (stored blocks, header, flush markers). */
export function deflateBound(size: number, blockSize: number): number {
  const slices = Math.max(1, Math.ceil(size / sliceFor(blockSize)));
  return size + Math.ceil(size / 16383) * 5 + slices * 10 + 16;
}

/**
 * Yields the zlib stream of `data` in blocks of `blockSize` bytes (the last one shorter), keeping
 * up to `ahead` blocks compressed ahead of the consumer. `engine` picks the compressor (tests use
 * it to run the browser's in Node).
 */
export async function* deflateBlocks(
  data: Uint8Array,
  blockSize: number,
  { ahead = 2, engine = isNode ? 'node' : 'fflate' }: { ahead?: number; engine?: 'node' | 'fflate' } = {},
): AsyncGenerator<DeflatedBlock> {
  const compressor = engine === 'node' ? await nodeCompressor() : await fflateCompressor();
  const slice = sliceFor(blockSize);
  /** Without flush points, what the emitted stream inflates to is counted by inflating it. */
  let inflated = 0;
  const inflater: Unzlib | undefined = compressor.flushed ? undefined : new (await import('fflate')).Unzlib((chunk) => (inflated += chunk.length));
  /** Flush points: compressed length of the stream after the input up to `input` was flushed. */
  const flushes: { compressed: number; input: number }[] = [{ compressed: 0, input: 0 }];
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  let produced = 0;
  let fed = 0;

  const feed = async (): Promise<void> => {
    const end = Math.min(data.length, fed + slice);
    const chunks = await compressor.compress(data.subarray(fed, end), end === data.length);
    fed = end;
    for (const c of chunks) {
      pending.push(c);
      pendingBytes += c.length;
      produced += c.length;
    }
    if (compressor.flushed) flushes.push({ compressed: produced, input: fed });
  };

  const take = (n: number): Uint8Array => {
    const out = new Uint8Array(n);
    let at = 0;
    while (at < n) {
      const c = pending[0]!;
      const k = Math.min(c.length, n - at);
      out.set(c.subarray(0, k), at);
      at += k;
      if (k === c.length) pending.shift();
      else pending[0] = c.subarray(k);
    }
    pendingBytes -= n;
    return out;
  };

  // One producer compresses ahead (at most `ahead` blocks) while the consumer sends; the consumer
  // takes a block as soon as one is ready, so the first one leaves after its first slices.
  let dataReady: (() => void) | undefined;
  let roomFree: (() => void) | undefined;
  let finished = false;
  let stopped = false;
  let failure: unknown;
  const producer = async (): Promise<void> => {
    try {
      while (fed < data.length && !stopped) {
        if (pendingBytes >= blockSize * ahead) await new Promise<void>((r) => (roomFree = r));
        else {
          await feed();
          dataReady?.();
        }
      }
    } catch (e) {
      failure = e;
    } finally {
      finished = true;
      dataReady?.();
    }
  };
  void producer();
  let emitted = 0;
  try {
    for (;;) {
      while (!finished && failure === undefined && pendingBytes < blockSize) await new Promise<void>((r) => (dataReady = r));
      dataReady = undefined;
      if (failure !== undefined) throw failure;
      if (pendingBytes === 0) return;
      const block = take(Math.min(blockSize, pendingBytes));
      roomFree?.();
      roomFree = undefined;
      emitted += block.length;
      let atLeast = 0;
      let atMost = fed;
      if (inflater) {
        inflater.push(block);
        atLeast = inflated;
      } else {
        for (const f of flushes) {
          if (f.compressed <= emitted) atLeast = Math.max(atLeast, f.input);
          if (f.compressed >= emitted) atMost = Math.min(atMost, f.input);
        }
        while (flushes.length > 1 && flushes[1]!.compressed <= emitted) flushes.shift();
      }
      yield { data: block, inflatedAtLeast: atLeast, inflatedAtMost: atMost };
    }
  } finally {
    stopped = true;
    roomFree?.();
    compressor.close();
  }
}
