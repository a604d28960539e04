import { AnyflashError, isLineGlitch } from '../../core/errors.js';
import { concatBytes, hex32, packU32le, printable } from '../../core/bytes.js';
import { deadlineIn, sleep, throwIfAborted } from '../../core/time.js';
import type { Transport } from '../../transport/types.js';
import {
  DEFAULT_TIMEOUT_MS,
  MAX_TIMEOUT_MS,
  Op,
  SYNC_DATA,
  dataPacket,
  decodeStatus,
  encodeRequest,
  opName,
  parseResponse,
  type Response,
} from './protocol.js';
import { SlipReader, chipRebooted, isStrayBytes, slipEncode } from './slip.js';

export interface CommandOptions {
  timeoutMs?: number;
  check?: number;
  signal?: AbortSignal;
  /** Bytes of payload expected before the status; used to learn the status length on first contact. */
  payloadLen?: number;
  /** Sends of the command when its reply is lost or garbled; by default more only for harmless-to-repeat commands. */
  attempts?: number;
  /** The request already SLIP-encoded (`encode`), so that it leaves the moment it is sent. */
  encoded?: Uint8Array;
}

/**
 * Commands that do no harm when the chip gets them twice: when the reply is lost or garbled on a
 * noisy line, they are simply asked again.
 */
const REPEATABLE = new Set<number>([
  Op.READ_REG,
  Op.WRITE_REG,
  Op.SPI_SET_PARAMS,
  Op.SPI_ATTACH,
  Op.GET_SECURITY_INFO,
  Op.SPI_FLASH_MD5,
  Op.READ_FLASH_SLOW,
  Op.MEM_BEGIN,
  Op.FLASH_BEGIN,
  Op.FLASH_DEFL_BEGIN,
  Op.ERASE_REGION,
]);
const REPEATS = 4;
/**
 * Every ROM knows these, so its "invalid message" answer means the request arrived damaged: worth
 * another try (Secure Download Mode refuses READ_REG for real, and says so every time).
 */
const ALWAYS_SUPPORTED = new Set<number>([Op.READ_REG, Op.WRITE_REG, Op.MEM_BEGIN, Op.FLASH_BEGIN]);
const DATA_OPS = new Set<number>([Op.MEM_DATA, Op.FLASH_DATA, Op.FLASH_DEFL_DATA]);
/**
 * Commands that touch only registers and RAM answer within milliseconds: a shorter deadline than
 * esptool's 3 s makes a request lost on a noisy line cheap to ask again, and still leaves room
 * for USB latency and remote RFC 2217 links.
 */
const QUICK_OPS = new Set<number>([Op.READ_REG, Op.SPI_ATTACH, Op.SPI_SET_PARAMS, Op.GET_SECURITY_INFO, Op.MEM_BEGIN, Op.MEM_DATA, Op.READ_FLASH]);
const QUICK_TIMEOUT_MS = 1000;
/** Pause after a garbled reply before asking again, so a late genuine reply is drained, not mistaken for the next. */
const GARBLE_SETTLE_MS = 30;

/** esptool reads up to 100 packets looking for the matching reply (ESP8266 ROMs add extra SYNC replies). */
const MAX_PACKETS_PER_COMMAND = 100;

/** Bytes outside SLIP frames that mean a stub's chip rebooted (a corrupted reply is far shorter). */
const STUB_CHATTER_LIMIT = 64;
const STRAY_ANSWERS_MEAN_REBOOT = 3;
/** After a malformed frame from the stub: how long to listen for more bytes, and the silence that ends it. */
const AFTERMATH_MS = 80;
const AFTERMATH_QUIET_MS = 30;
/** How long to wait on after bytes outside a frame before calling the reply garbled. */
const GARBAGE_GRACE_MS = 150;
/** Copies of an "unsupported command" reject the ROM sends. */
const REJECT_REPEATS = 8;

/**
 * Request/response layer over SLIP: sends commands, matches replies by direction and opcode,
 * checks the status in the ROM or stub format and turns failures into `device-error`.
 */
export class EspLoader {
  readonly reader: SlipReader;
  /** 2 (ESP8266 ROM, every stub) or 4 (ESP32+ ROM); learnt from the first reply when unknown. */
  statusLen: 2 | 4 | undefined;
  stub = false;
  /** Set when a frame identical in direction and opcode to our request came back: RX/TX looped. */
  echoSeen = false;
  chipName = 'ESP';
  /**
   * The ROM answers an unknown opcode with several identical rejects; the ones still in flight
   * after the first are skipped by count (not by a timed drain, which breaks over slow links).
   */
  private staleRejects = 0;
  /** Requests in a row answered only by bytes outside frames. */
  private strayAnswers = 0;

  constructor(readonly transport: Transport) {
    this.reader = new SlipReader(transport);
  }

  async send(op: number, data: Uint8Array = new Uint8Array(0), check = 0): Promise<void> {
    await this.transport.write(this.encode(op, data, check));
  }

  /** A request as it goes on the wire. */
  encode(op: number, data: Uint8Array = new Uint8Array(0), check = 0): Uint8Array {
    return slipEncode(encodeRequest(op, data, check));
  }

  /** Told about every command sent again after a lost or garbled reply (the device turns it into an event). */
  onRepeat?: (op: number, attempt: number, cause: string) => void;

  /** Sends a command and returns the matching reply; throws on failure status. */
  async command(op: number, data: Uint8Array = new Uint8Array(0), options: CommandOptions = {}): Promise<Response> {
    const attempts = options.attempts ?? (REPEATABLE.has(op) ? REPEATS : 1);
    for (let attempt = 1; ; attempt++) {
      try {
        const reply = await this.exchange(op, data, options);
        this.strayAnswers = 0;
        this.checkStatus(op, reply, options.payloadLen);
        return reply;
      } catch (e) {
        if (isStrayBytes(e) && this.stub && ++this.strayAnswers >= STRAY_ANSWERS_MEAN_REBOOT) {
          // The stub never sends bytes outside frames: requests answered that way, again and again,
          // come from a ROM that restarted at its boot baud.
          throw chipRebooted(this.reader.garbageEvidence);
        }
        // Silence costs a whole deadline and may be a stalled or vanished chip, which the engine
        // handles better: ask once more, not as often as after a garbled reply.
        const refused = e instanceof AnyflashError && e.code === 'unsupported' && !this.stub && ALWAYS_SUPPORTED.has(op);
        const limit = e instanceof AnyflashError && e.code === 'timeout' ? Math.min(attempts, 2) : attempts;
        if (attempt >= limit || !(isLineGlitch(e) || refused)) throw e;
        throwIfAborted(options.signal);
        this.onRepeat?.(op, attempt, (e as Error).message);
        await this.settle(GARBLE_SETTLE_MS, options.signal);
      }
    }
  }

  /** Sends a command and returns the matching reply without judging its status. */
  async exchange(op: number, data: Uint8Array, options: CommandOptions = {}): Promise<Response> {
    if (options.encoded) await this.transport.write(options.encoded);
    else await this.send(op, data, options.check ?? 0);
    return this.receive(op, options);
  }

  async receive(op: number, options: CommandOptions = {}): Promise<Response> {
    const timeout = options.timeoutMs ?? (QUICK_OPS.has(op) ? QUICK_TIMEOUT_MS : DEFAULT_TIMEOUT_MS);
    const deadline = deadlineIn(Math.min(timeout, MAX_TIMEOUT_MS));
    for (let i = 0; i < MAX_PACKETS_PER_COMMAND; i++) {
      const frame = await this.reader.readFrame(deadline, options.signal, {
        chatterLimit: this.stub ? STUB_CHATTER_LIMIT : undefined,
        garbageGraceMs: this.stub ? GARBAGE_GRACE_MS : undefined,
      });
      if (frame[0] === 0x00 && frame[1] === op) {
        this.echoSeen = true;
        continue;
      }
      const reply = parseResponse(frame);
      // Once the chip has answered cleanly, a malformed frame is our reply damaged on the wire:
      // no other reply is coming, so waiting out the deadline would only waste it.
      if (!isWellFormed(frame) && this.statusLen !== undefined) {
        // A damaged reply is one event and the line goes quiet; a chip that reset keeps printing
        // its boot log, whose bytes can look like frames too.
        const more = this.stub ? await this.reader.readRaw(AFTERMATH_MS, AFTERMATH_QUIET_MS, options.signal) : new Uint8Array(0);
        if (more.length >= STUB_CHATTER_LIMIT) throw chipRebooted(concatBytes([frame, more]));
        throw new AnyflashError('garbled-reply', `The reply to ${opName(op)} was corrupted on the wire.`, {
          family: 'esp',
          evidence: [`received: ${printable(frame, 60)}`],
        });
      }
      if (!reply) continue;
      if (reply.op === op) {
        this.staleRejects = 0;
        return reply;
      }
      if (this.stub) {
        // The stub answers each request once, under the request's opcode: another opcode means
        // the request reached it with that byte damaged, and our real reply will never come.
        throw new AnyflashError('garbled-reply', `${opName(op)} was answered as ${opName(reply.op)}: the request was damaged on the wire.`, {
          family: 'esp',
          evidence: [`received: ${printable(frame, 60)}`],
        });
      }
      if (reply.data.length >= 2 && reply.data[0] !== 0 && reply.data[1] === 0x05) {
        if (this.staleRejects > 0) {
          this.staleRejects--;
          continue;
        }
        this.staleRejects = REJECT_REPEATS - 1;
        throw this.unsupported(op);
      }
    }
    throw new AnyflashError('garbled-reply', `No reply to ${opName(op)} among ${MAX_PACKETS_PER_COMMAND} packets.`);
  }

  private unsupported(op: number): AnyflashError {
    return new AnyflashError('unsupported', `${this.chipName} ${this.stub ? 'stub' : 'ROM'} does not support ${opName(op)}.`, {
      chip: this.chipName,
      family: 'esp',
    });
  }

  checkStatus(op: number, reply: Response, payloadLen?: number): void {
    if (this.statusLen === undefined && payloadLen !== undefined) {
      this.statusLen = reply.data.length - payloadLen >= 4 ? 4 : 2;
    }
    const statusLen = this.statusLen ?? 2;
    const status = decodeStatus(reply.data, statusLen, this.stub);
    if (status.ok) return;
    // A data block whose length field was damaged gets the ROM's "invalid message" too: a refused
    // block, not a missing command.
    const unsupported = this.stub ? status.code >> 8 === 0xc3 || status.code >> 8 === 0xff : status.code === 0x0105 && !DATA_OPS.has(op);
    if (unsupported) throw this.unsupported(op);
    const damagedRequest = !DATA_OPS.has(op) && (this.stub ? status.code >> 8 === 0xc0 || status.code >> 8 === 0xc1 : (status.code & 0xff) === 0x07);
    if (damagedRequest) {
      // We always send well-formed requests: a length or checksum complaint means this one was damaged on the way.
      throw new AnyflashError('garbled-reply', `${opName(op)} arrived corrupted at the chip (${status.name}).`, {
        family: 'esp',
        evidence: [`reply: ${printable(reply.data)}`],
      });
    }
    if (status.name.startsWith('unknown') || (!this.stub && status.code >> 8 > 1)) {
      // No loader sends codes outside its table: the status bytes were damaged on the wire.
      throw new AnyflashError('garbled-reply', `The reply to ${opName(op)} carries an impossible status (${status.code.toString(16).padStart(4, '0')}): corrupted on the wire.`, {
        family: 'esp',
        evidence: [`reply: ${printable(reply.data)}`],
      });
    }
    throw new AnyflashError(
      'device-error',
      `${opName(op)} failed: ${status.name} (result was ${status.code.toString(16).padStart(4, '0')}).`,
      {
        family: 'esp',
        chip: this.chipName,
        evidence: [`reply: ${printable(reply.data)}`],
        advice: adviceFor(status.code, this.stub),
      },
    );
  }

  /** Payload before the status bytes. */
  payload(reply: Response): Uint8Array {
    return reply.data.subarray(0, Math.max(0, reply.data.length - (this.statusLen ?? 2)));
  }

  // ---- commands -------------------------------------------------------------------------------

  /** One SYNC; returns the first reply's value (0 means a stub is already running). */
  async sync(timeoutMs: number, signal?: AbortSignal): Promise<number> {
    const reply = await this.exchange(Op.SYNC, SYNC_DATA, { timeoutMs, signal });
    this.checkStatus(Op.SYNC, reply, 0);
    return reply.value;
  }

  async readReg(addr: number, options: CommandOptions = {}): Promise<number> {
    const reply = await this.command(Op.READ_REG, packU32le([addr]), { ...options, payloadLen: 0 });
    return reply.value;
  }

  /** Writes one or several (addr, value, mask, delay_us) groups in one command. */
  async writeReg(groups: ReadonlyArray<{ addr: number; value: number; mask?: number; delayUs?: number }>, options: CommandOptions = {}): Promise<void> {
    const words = groups.flatMap((g) => [g.addr, g.value, g.mask ?? 0xffffffff, g.delayUs ?? 0]);
    await this.command(Op.WRITE_REG, packU32le(words), { ...options, payloadLen: 0 });
  }

  async spiSetParams(totalSize: number): Promise<void> {
    await this.command(Op.SPI_SET_PARAMS, packU32le([0, totalSize, 0x10000, 0x1000, 0x100, 0xffff]), { payloadLen: 0 });
  }

  async spiAttach(hspiArg = 0): Promise<void> {
    // The ROM takes 4 more bytes (is_legacy + padding) than the stub.
    const data = this.stub ? packU32le([hspiArg]) : packU32le([hspiArg, 0]);
    await this.command(Op.SPI_ATTACH, data, { payloadLen: 0 });
  }

  async memBegin(size: number, blocks: number, blockSize: number, addr: number): Promise<void> {
    await this.command(Op.MEM_BEGIN, packU32le([size, blocks, blockSize, addr]), { payloadLen: 0 });
  }

  async memData(block: Uint8Array, seq: number): Promise<void> {
    const { data, check } = dataPacket(block, seq);
    await this.command(Op.MEM_DATA, data, { check, payloadLen: 0 });
  }

  async flashBegin(words: number[], timeoutMs: number, signal?: AbortSignal): Promise<void> {
    await this.command(Op.FLASH_BEGIN, packU32le(words), { timeoutMs, signal, payloadLen: 0 });
  }

  async flashData(block: Uint8Array, seq: number, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    const { data, check } = dataPacket(block, seq);
    await this.command(Op.FLASH_DATA, data, { check, timeoutMs, signal, payloadLen: 0 });
  }

  async flashDeflBegin(words: number[], timeoutMs: number, signal?: AbortSignal): Promise<void> {
    await this.command(Op.FLASH_DEFL_BEGIN, packU32le(words), { timeoutMs, signal, payloadLen: 0 });
  }

  async flashDeflData(block: Uint8Array, seq: number, timeoutMs: number, signal?: AbortSignal, encoded?: Uint8Array): Promise<void> {
    // An encoded request goes as it is, also when sent again: its packet need not be built.
    const { data, check } = encoded ? { data: new Uint8Array(0), check: 0 } : dataPacket(block, seq);
    await this.command(Op.FLASH_DEFL_DATA, data, { check, timeoutMs, signal, payloadLen: 0, encoded });
  }

  /** FLASH_DEFL_DATA for `block` encoded ahead (see `CommandOptions.encoded`). */
  encodeDeflData(block: Uint8Array, seq: number): Uint8Array {
    const { data, check } = dataPacket(block, seq);
    return this.encode(Op.FLASH_DEFL_DATA, data, check);
  }

  async flashEnd(stay: boolean, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<void> {
    await this.command(Op.FLASH_END, packU32le([stay ? 1 : 0]), { timeoutMs, payloadLen: 0 });
  }

  async flashDeflEnd(stay: boolean, timeoutMs = DEFAULT_TIMEOUT_MS, signal?: AbortSignal): Promise<void> {
    await this.command(Op.FLASH_DEFL_END, packU32le([stay ? 1 : 0]), { timeoutMs, signal, payloadLen: 0 });
  }

  /** MD5 of a flash range: the ROM answers 32 ASCII hex chars, the stub 16 raw bytes. */
  async flashMd5(addr: number, size: number, timeoutMs: number, signal?: AbortSignal): Promise<Uint8Array> {
    const reply = await this.command(Op.SPI_FLASH_MD5, packU32le([addr, size, 0, 0]), { timeoutMs, signal });
    const body = this.payload(reply);
    if (body.length === 16) return body.slice();
    if (body.length === 32) {
      const text = String.fromCharCode(...body);
      if (/^[0-9a-fA-F]{32}$/.test(text)) return Uint8Array.from(text.match(/../g)!.map((h) => parseInt(h, 16)));
    }
    throw new AnyflashError('garbled-reply', `SPI_FLASH_MD5 returned ${body.length} bytes instead of an MD5.`, {
      evidence: [`reply: ${printable(reply.data)}`],
    });
  }

  async getSecurityInfo(): Promise<Uint8Array> {
    const reply = await this.command(Op.GET_SECURITY_INFO);
    return this.payload(reply).slice();
  }

  async readFlashSlow(addr: number, size: number, signal?: AbortSignal): Promise<Uint8Array> {
    const reply = await this.command(Op.READ_FLASH_SLOW, packU32le([addr, size]), { signal });
    const body = this.payload(reply);
    if (body.length < size) {
      throw new AnyflashError('garbled-reply', `READ_FLASH_SLOW returned ${body.length} bytes, expected ${size}.`);
    }
    return body.slice(0, size);
  }

  /** Asks the chip for a new baud (old = 0 for the ROM); the reply comes at the old rate. */
  async changeBaud(newBaud: number, oldBaud: number): Promise<void> {
    await this.command(Op.CHANGE_BAUDRATE, packU32le([newBaud, oldBaud]), { payloadLen: 0 });
  }

  async eraseFlash(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    await this.command(Op.ERASE_FLASH, new Uint8Array(0), { timeoutMs, signal, payloadLen: 0 });
  }

  async eraseRegion(addr: number, size: number, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    await this.command(Op.ERASE_REGION, packU32le([addr, size]), { timeoutMs, signal, payloadLen: 0 });
  }

  /** Starts a stub READ_FLASH stream; the data frames follow and must be read by the caller. */
  async readFlashStart(addr: number, size: number, packetSize: number, inFlight: number, signal?: AbortSignal): Promise<void> {
    await this.command(Op.READ_FLASH, packU32le([addr, size, packetSize, inFlight]), { signal, payloadLen: 0 });
  }

  /** The stub jumps to the application and never answers. */
  async runUserCode(): Promise<void> {
    await this.send(Op.RUN_USER_CODE);
  }

  /** Short pause used after baud changes (the chip needs the reply sent before switching). */
  async settle(ms: number, signal?: AbortSignal): Promise<void> {
    await sleep(ms, signal);
    await this.reader.flush();
  }
}

/** A reply frame as the chip builds it: direction 1 and a length field that matches the bytes. */
function isWellFormed(frame: Uint8Array): boolean {
  return frame.length >= 8 && frame[0] === 0x01 && frame[2]! + (frame[3]! << 8) === frame.length - 8;
}


/**
 * The loader refused a *_DATA block because its checksum did not match: the block was corrupted on
 * the wire and nothing of it was kept, so sending the same block again is safe.
 */
export function isChecksumReject(e: unknown): boolean {
  return e instanceof AnyflashError && e.code === 'device-error' && /_DATA failed: (bad data checksum|checksum error|bad data length|invalid message)/i.test(e.message);
}

function adviceFor(code: number, stub: boolean): string[] {
  const hi = code >> 8;
  const lo = code & 0xff;
  if ((!stub && lo === 0x07) || (stub && hi === 0xc1)) {
    return ['Bytes were corrupted on the way to the chip: lower the baud rate, use a shorter cable or another USB port/adapter.'];
  }
  if ((!stub && lo === 0x08) || (stub && (hi === 0xc4 || hi === 0xc5))) {
    return ['The flash chip did not take the data: check the power supply and the flash wiring/mode; the flash may be worn out or write-protected.'];
  }
  if (stub && hi === 0xc7) return ['The compressed stream was corrupted: retry, or write uncompressed.'];
  return [`The device rejected the command (${hex32(code)}); retry once, then reset the chip and reconnect.`];
}
