import { AnyflashError } from '../../core/errors.js';
import { listPorts, type SerialPortInfo } from '../../diagnose/ports.js';
import { parseNumber, parseSize } from '../../engine/parse.js';
import { FaultPlan, parseFault, type FaultSpec } from '../../sim/faults.js';
import { forgetSim, openSimPort, plugSim, unplugSim } from '../../sim/port.js';
import { macText, parseMac } from '../../sim/options.js';
import { simChipKey, simChips, simDefaultMac } from '../../sim/registry.js';
import { flashFileStore } from '../flash-file.js';
import { describePort, globToRegExp, matchesGlob, type LineFlags } from './ports.js';

/** Where a station sees devices come and go. */
export interface PortSource {
  /** The ports present now. */
  present(): Promise<string[]>;
  /** A device's job ended (a simulated operator unplugs it). */
  finished?(port: string): void;
  /** No device will ever appear again (a simulated hub that has plugged in all of its devices). */
  exhausted?(): boolean;
}

/** One board on a simulated hub: its chip, its `sim:` parameters, and when it is pulled out mid-write. */
interface Board {
  chip: string;
  params: string[];
  /** `replug=AT:DURATION`: pulled out at AT (as a `vanish` fault triggers), back DURATION later in a new slot. */
  replug?: FaultSpec & { kind: 'vanish' };
  /** The MAC the hub gave it (no `;mac=` of its own): boards of one chip must not look like one device. */
  mac?: Uint8Array;
}

/**
 * `sim-hub:esp32,bk7231n;fault=brownout=50%25;replug=0x2c000:500ms,esp32c3[?every=MS&hold=MS]`:
 * a simulated USB hub for trying station mode without hardware. Its boards are plugged in one after
 * another, `every` ms apart (default 500), each a fresh in-process chip in its own slot (`;k=v`
 * become its sim: parameters); a board is taken out `hold` ms (default 300) after its job ends, as
 * an operator takes a finished board out. `replug=AT:DURATION` pulls a board out mid-write (AT as
 * for a `vanish` fault: 50%, 0x2c000 or 2s) and plugs it back DURATION later into the next unused
 * slot: another port name, the same flash and MAC, freshly powered, without its faults. Boards of
 * one chip get distinct MACs (the simulator's, then the next ones under the same vendor OUI) unless
 * a board's `;mac=` names its own, so a station tells them apart as it tells real boards apart.
 */
export class SimHub implements PortSource {
  private readonly boards: Board[];
  private readonly every: number;
  private readonly hold: number;
  private readonly started = performance.now();
  /** Boards of the list plugged in so far. */
  private plugged = 0;
  private nextSlot: number;
  /** Ports with a board behind them, and when an operator takes a finished one out. */
  private readonly slots = new Map<string, { board: Board; flash: Uint8Array; faults: FaultPlan[]; out?: number }>();
  /** Boards pulled out mid-write, with their flash, and when they go back in. */
  private readonly returning: Array<{ board: Board; flash: Uint8Array; at: number }> = [];

  constructor(spec: string) {
    const m = /^sim-hub:([^?]+)(?:\?(.*))?$/i.exec(spec);
    if (!m) throw new AnyflashError('bad-input', `Bad simulated hub "${spec}"; use sim-hub:esp32,bk7231n,…`);
    const params = new URLSearchParams(m[2] ?? '');
    this.every = params.has('every') ? parseNumber(params.get('every')!, 'every') : 500;
    this.hold = params.has('hold') ? parseNumber(params.get('hold')!, 'hold') : 300;
    this.boards = m[1]!.split(',').map((item) => {
      const [chip, ...kv] = item.split(';');
      // A mistyped board stops the station before anything is plugged in, not halfway through the hub.
      if (!simChips().includes(simChipKey(chip!.trim()))) {
        throw new AnyflashError('unknown-chip', `No simulator for "${chip}" in ${spec}.`, { advice: [`Simulated chips: ${simChips().join(', ')}.`] });
      }
      kv.filter((p) => p.startsWith('fault=')).forEach((p) => parseFault(decodeURIComponent(p.slice('fault='.length))));
      const replug = kv.find((p) => p.startsWith('replug='));
      return {
        chip: chip!.trim(),
        params: kv.filter((p) => p !== replug),
        ...(replug ? { replug: parseReplug(item, replug) } : {}),
      };
    });
    distinctMacs(this.boards);
    this.nextSlot = this.boards.length + 1;
  }

  async present(): Promise<string[]> {
    const now = performance.now();
    while (this.plugged < this.boards.length && now - this.started >= this.plugged * this.every) {
      const board = this.boards[this.plugged++]!;
      this.plugIn(board, this.plugged);
    }
    for (const r of this.returning.filter((x) => now >= x.at)) {
      this.returning.splice(this.returning.indexOf(r), 1);
      // Back from the operator's hand: powered up afresh, the same flash; its faults stayed with the first plug.
      this.plugIn({ ...r.board, params: r.board.params.filter((p) => !p.startsWith('fault')), replug: undefined }, this.nextSlot++, r.flash);
    }
    for (const [port, slot] of this.slots) {
      if (slot.out === undefined || now < slot.out) continue;
      this.takeOut(port);
      forgetSim(port);
    }
    return [...this.slots.keys()];
  }

  finished(port: string): void {
    const slot = this.slots.get(port);
    if (slot) slot.out = performance.now() + this.hold;
    // Pulled out mid-write: its job has ended, so nothing opens the port again.
    else forgetSim(port);
  }

  exhausted(): boolean {
    return this.plugged === this.boards.length && this.returning.length === 0;
  }

  /**
   * Pulls the board at `port` out now, as a hand would mid-write, and plugs it back `afterMs`
   * later into the next unused slot (tests drive the hub with this; `replug=` calls it).
   */
  replug(port: string, afterMs: number): void {
    const slot = this.slots.get(port);
    if (!slot) return;
    this.takeOut(port);
    this.returning.push({ board: slot.board, flash: slot.flash, at: performance.now() + afterMs });
  }

  private plugIn(board: Board, slot: number, flash?: Uint8Array): void {
    const port = `sim:${board.chip}?${[...board.params, `slot=${slot}`].join('&')}`;
    const sim = openSimPort(port, { ...(flash ? { flashInitial: flash } : {}), ...(board.mac ? { mac: board.mac } : {}) }, flashFileStore);
    sim.transport.facts.keepsFlash = true;
    const faults = sim.faults ? [sim.faults] : [];
    if (board.replug) {
      const at = board.replug;
      const size = new URLSearchParams(board.params.join('&')).get('fault-write-size');
      const trigger = new FaultPlan([at], size === null ? {} : { writeSize: parseSize(size, 'fault-write-size') });
      // The trigger only watches the flash; the board's own wire faults stay on the link.
      const wire = sim.link.faults;
      trigger.attach(sim.link, { vanish: (ms) => this.replug(port, ms) });
      sim.link.faults = wire;
      faults.push(trigger);
    }
    plugSim(port, sim.transport);
    this.slots.set(port, { board, flash: sim.device.flash.data, faults });
  }

  private takeOut(port: string): void {
    for (const f of this.slots.get(port)?.faults ?? []) f.dispose();
    this.slots.delete(port);
    unplugSim(port);
  }
}

/**
 * Gives each board without a `;mac=` of its own a MAC no other board of its chip has: the
 * simulator's fixed MAC for the first, then the next ones under the same OUI. Chips whose flasher
 * reads no MAC (a SiFli, a Beken without a MAC block) are known by their flash id and get none.
 */
function distinctMacs(boards: Board[]): void {
  const chipOf = (b: Board): string => simChipKey(b.chip);
  const keyOf = (b: Board, mac: Uint8Array): string => `${chipOf(b)} ${macText(mac)}`;
  const own = new Map(
    boards.map((b) => {
      const p = b.params.find((x) => x.startsWith('mac='));
      if (p && !simDefaultMac(chipOf(b))) {
        throw new AnyflashError('bad-input', `Simulated hub board ${b.chip}: the flasher reads no MAC from it (it knows the board by its flash id); leave out mac=.`);
      }
      return [b, p ? parseMac(decodeURIComponent(p.slice('mac='.length)), `Simulated hub board ${b.chip}: mac=`) : undefined] as const;
    }),
  );
  const taken = new Set([...own].flatMap(([b, mac]) => (mac ? [keyOf(b, mac)] : [])));
  const next = new Map<string, number>();
  for (const b of boards) {
    const base = simDefaultMac(chipOf(b));
    if (!base || own.get(b)) continue;
    // Bounded: at most one step past each MAC a board was given.
    let k = next.get(chipOf(b)) ?? 0;
    while (taken.has(keyOf(b, macPlus(base, k)))) k++;
    b.mac = macPlus(base, k);
    taken.add(keyOf(b, b.mac));
    next.set(chipOf(b), k + 1);
  }
}

/** `base` with `k` added to its device part (the low three bytes), the vendor OUI kept. */
function macPlus(base: Uint8Array, k: number): Uint8Array {
  const low = (((base[3]! << 16) | (base[4]! << 8) | base[5]!) + k) & 0xffffff;
  return Uint8Array.of(base[0]!, base[1]!, base[2]!, low >>> 16, (low >>> 8) & 0xff, low & 0xff);
}

/** `replug=AT:DURATION`, read as the `vanish` fault it triggers like. */
function parseReplug(board: string, param: string): FaultSpec & { kind: 'vanish' } {
  try {
    return parseFault(`vanish=${param.slice('replug='.length)}`) as FaultSpec & { kind: 'vanish' };
  } catch {
    throw new AnyflashError('bad-input', `Simulated hub board "${board}": ${param} is not AT:DURATION.`, {
      advice: ['e.g. replug=75%:500ms or replug=0x54000:1s: AT is a share of the write in progress, an address or a time (2s); DURATION how long the board is out.'],
    });
  }
}

/**
 * Real ports: the USB serial ports that match `--ports`/`--port-filter` (all USB ports without them),
 * out of `list` (the web station passes the ports its bridge offers).
 */
export function serialPorts(flags: LineFlags, list: () => Promise<SerialPortInfo[]> = () => listPorts()): PortSource {
  const glob = flags.ports !== undefined ? globToRegExp(flags.ports) : undefined;
  const filter = flags.portFilter?.toLowerCase();
  return {
    async present() {
      return (await list())
        .filter((p) => (glob ? matchesGlob(glob, p) : p.bus === 'usb'))
        .filter((p) => !filter || describePort(p).includes(filter))
        .map((p) => p.path);
    },
  };
}
