/**
 * SLIP framing as the Espressif ROM and stub speak it (0xC0 delimits, 0xDB escapes). Kept apart
 * from the client's codec on purpose: two independent readings of the protocol check each other.
 */
const END = 0xc0;
const ESC = 0xdb;
const ESC_END = 0xdc;
const ESC_ESC = 0xdd;

export function slipEncode(payload: Uint8Array): Uint8Array {
  let extra = 0;
  for (const b of payload) if (b === END || b === ESC) extra++;
  const out = new Uint8Array(payload.length + extra + 2);
  let o = 0;
  out[o++] = END;
  for (const b of payload) {
    if (b === END) {
      out[o++] = ESC;
      out[o++] = ESC_END;
    } else if (b === ESC) {
      out[o++] = ESC;
      out[o++] = ESC_ESC;
    } else out[o++] = b;
  }
  out[o] = END;
  return out;
}

/**
 * Streaming decoder like the chip's UART handler: bytes outside a frame are ignored, an empty
 * frame (two delimiters in a row) just resynchronises, and a bad escape drops the frame.
 */
export class SlipDecoder {
  private buf: number[] = [];
  private inFrame = false;
  private escaped = false;
  private broken = false;

  constructor(private readonly onFrame: (frame: Uint8Array) => void) {}

  push(bytes: Uint8Array): void {
    for (const b of bytes) {
      if (b === END) {
        if (this.inFrame && this.buf.length > 0 && !this.broken && !this.escaped) {
          this.onFrame(Uint8Array.from(this.buf));
        }
        this.buf = [];
        this.inFrame = true;
        this.escaped = false;
        this.broken = false;
        continue;
      }
      if (!this.inFrame) continue;
      if (this.escaped) {
        this.escaped = false;
        if (b === ESC_END) this.buf.push(END);
        else if (b === ESC_ESC) this.buf.push(ESC);
        else this.broken = true;
      } else if (b === ESC) this.escaped = true;
      else this.buf.push(b);
    }
  }

  reset(): void {
    this.buf = [];
    this.inFrame = false;
    this.escaped = false;
    this.broken = false;
  }
}
