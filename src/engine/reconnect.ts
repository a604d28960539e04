import { toAnyflashError, type AnyflashError } from '../core/errors.js';
import type { EventSink } from '../core/events.js';
import { sleep } from '../core/time.js';
import type { FlashDevice } from '../families/types.js';
import type { Transport } from '../transport/types.js';
import { BAUD_STEPS, heardBootText } from './reboot-evidence.js';
import type { Reconnected, RecoveryOptions } from './recovery.js';

/** How a front end reaches the chip again; everything else about reconnecting is policy, here. */
export interface PortDoor {
  /** Opens the port once; throws `port-not-found`/`port-vanished`/… while it is away. */
  open: () => Promise<Transport>;
  /** Connects to the chip on a freshly opened port (`baud` undefined: the family's default). */
  connect: (transport: Transport, baud: number | undefined, previous: FlashDevice) => Promise<FlashDevice>;
}

export interface ReconnectOptions {
  events: EventSink;
  signal: AbortSignal;
  /** The working baud asked for (kept after a reconnect unless stepped down). */
  baud?: number;
  /** How long a vanished port may take to come back (USB re-enumeration, a replugged cable). */
  portReturnMs?: number;
  /** How long to listen for boot text before reopening. */
  listenMs?: number;
}

/** Open failures that mean "not back yet": worth waiting for. */
const TRANSIENT = new Set(['port-not-found', 'port-vanished', 'port-busy', 'port-error']);

/** Consoles of a rebooted chip: ESP and Beken print at 115200, SiFli firmware at 1 Mbaud. */
const CONSOLE_BAUD: Record<string, number> = { esp: 115200, beken: 115200, sifli: 1000000 };

/**
 * The one reconnect policy every front end uses after a lost link, a reboot or garbled replies:
 * listen for boot text on the port still open, close it, wait for it to come back (bounded),
 * reopen, connect again — at a lower baud when the engine asks for one.
 *
 * Listening comes first on purpose: reopening toggles DTR/RTS, which resets boards whose RTS
 * drives EN or the supply, and would itself produce the boot text taken as evidence of a reboot.
 */
export class Reconnector {
  readonly recovery: RecoveryOptions;

  constructor(
    /** The open port (undefined while it is away). */
    public transport: Transport | undefined,
    public device: FlashDevice,
    private readonly door: PortDoor,
    private readonly options: ReconnectOptions,
  ) {
    this.recovery = { reconnect: (ctx) => this.reconnect(ctx) };
  }

  async reconnect({ cause, lowerBaud }: { cause: AnyflashError; lowerBaud: boolean }): Promise<Reconnected> {
    const { events, signal } = this.options;
    const current = this.device.transport.baud;
    const rebooted = cause.code !== 'port-vanished' && this.transport !== undefined && (await this.listen(this.transport));
    await this.transport?.close().catch(() => {});
    this.transport = undefined;
    const next = lowerBaud ? BAUD_STEPS.find((b) => b < current) : undefined;
    if (next) events({ type: 'note', level: 'warn', message: `Repeated link errors: lowering the baud to ${next}.` });
    events({ type: 'note', level: 'info', message: `Reconnecting after ${cause.code}…` });
    this.transport = await this.waitForPort();
    this.device = await this.door.connect(this.transport, next ?? this.options.baud ?? (current > 115200 ? current : undefined), this.device);
    return { device: this.device, rebooted };
  }

  private async listen(transport: Transport): Promise<boolean> {
    try {
      const console = CONSOLE_BAUD[this.device.family] ?? 115200;
      if (transport.canSetBaud && transport.baud !== console) await transport.setBaud(console);
      return await heardBootText(transport, this.options.signal, this.options.listenMs);
    } catch {
      return false;
    }
  }

  private async waitForPort(): Promise<Transport> {
    const returnMs = this.options.portReturnMs ?? 30_000;
    const deadline = performance.now() + returnMs;
    let told = false;
    for (;;) {
      try {
        return await this.door.open();
      } catch (e) {
        const err = toAnyflashError(e);
        if (!TRANSIENT.has(err.code) || performance.now() > deadline) throw err;
        if (!told) this.options.events({ type: 'note', level: 'warn', message: `${this.device.transport.url} is gone — waiting up to ${Math.round(returnMs / 1000)} s for it to come back…` });
        told = true;
        await sleep(250, this.options.signal);
      }
    }
  }
}
