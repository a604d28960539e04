/**
 * Telnet framing (RFC 854/855) as used by RFC 2217: a byte stream where 0xFF (IAC) starts a
 * command, data 0xFF is sent doubled, and options are negotiated with WILL/WONT/DO/DONT and
 * carried in IAC SB … IAC SE. Pure and browser-safe; shared by the RFC 2217 client and server.
 */
export const IAC = 0xff;
export const DONT = 0xfe;
export const DO = 0xfd;
export const WONT = 0xfc;
export const WILL = 0xfb;
export const SB = 0xfa;
export const SE = 0xf0;

export const OPT_BINARY = 0;
export const OPT_ECHO = 1;
export const OPT_SGA = 3;
export const OPT_COM_PORT = 44;

export type Verb = typeof WILL | typeof WONT | typeof DO | typeof DONT;

export interface TelnetHandlers {
  data(bytes: Uint8Array): void;
  negotiate(verb: Verb, option: number): void;
  /** Payload between IAC SB and IAC SE, with doubled IACs already undone. */
  subnegotiation(payload: Uint8Array): void;
}

/** Longest subnegotiation kept; anything longer is a broken peer and is dropped. */
const MAX_SUBNEGOTIATION = 1024;

const enum State {
  Data,
  Iac,
  Verb,
  Sub,
  SubIac,
}

/** Incremental decoder: feed it socket chunks in order, it calls the handlers. */
export class TelnetParser {
  private state = State.Data;
  private verb: Verb = WILL;
  private sub: number[] = [];

  constructor(private readonly on: TelnetHandlers) {}

  feed(chunk: Uint8Array): void {
    // Data of one chunk goes out in one call (escaped IACs included), split only where a command
    // must be handled in order with it.
    const out = new Uint8Array(chunk.length);
    let o = 0;
    const flush = (): void => {
      if (o > 0) this.on.data(out.slice(0, o));
      o = 0;
    };
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i]!;
      switch (this.state) {
        case State.Data:
          if (b === IAC) this.state = State.Iac;
          else out[o++] = b;
          break;
        case State.Iac:
          if (b === IAC) {
            out[o++] = IAC;
            this.state = State.Data;
          } else if (b === WILL || b === WONT || b === DO || b === DONT) {
            this.verb = b;
            this.state = State.Verb;
          } else if (b === SB) {
            this.sub = [];
            this.state = State.Sub;
          } else {
            // NOP, GA, AYT, … carry nothing for a serial line.
            this.state = State.Data;
          }
          break;
        case State.Verb:
          this.state = State.Data;
          flush();
          this.on.negotiate(this.verb, b);
          break;
        case State.Sub:
          if (b === IAC) this.state = State.SubIac;
          else if (this.sub.length < MAX_SUBNEGOTIATION) this.sub.push(b);
          break;
        case State.SubIac:
          if (b === IAC) {
            if (this.sub.length < MAX_SUBNEGOTIATION) this.sub.push(IAC);
            this.state = State.Sub;
          } else if (b === SE) {
            this.state = State.Data;
            flush();
            this.on.subnegotiation(Uint8Array.from(this.sub));
          } else {
            // RFC 855: IAC <cmd> inside SB ends it implicitly; keep the command byte's meaning.
            this.state = State.Iac;
            i--;
          }
          break;
      }
    }
    flush();
  }
}

/** Doubles every 0xFF so data cannot be mistaken for a command. */
export function escapeIac(data: Uint8Array): Uint8Array {
  let count = 0;
  for (const b of data) if (b === IAC) count++;
  if (count === 0) return data;
  const out = new Uint8Array(data.length + count);
  let o = 0;
  for (const b of data) {
    out[o++] = b;
    if (b === IAC) out[o++] = IAC;
  }
  return out;
}

export function negotiation(verb: Verb, option: number): Uint8Array {
  return Uint8Array.of(IAC, verb, option);
}

/** IAC SB <payload, IAC-escaped> IAC SE. */
export function subnegotiation(payload: Uint8Array): Uint8Array {
  const body = escapeIac(payload);
  const out = new Uint8Array(body.length + 4);
  out[0] = IAC;
  out[1] = SB;
  out.set(body, 2);
  out[body.length + 2] = IAC;
  out[body.length + 3] = SE;
  return out;
}
