import { AnyflashError } from '../../core/errors.js';
import type { EventSink } from '../../core/events.js';
import { sleep, throwIfAborted } from '../../core/time.js';
import type { SifliChip, SifliMemory } from './chips.js';
import type { DebugLink } from './debug-link.js';
import { REPLY_ENTER } from './frames.js';
import type { StubShell } from './stub-shell.js';

const DHCSR = 0xe000edf0;
const DCRSR = 0xe000edf4;
const DCRDR = 0xe000edf8;
const DEMCR = 0xe000edfc;
const AIRCR = 0xe000ed0c;
const VC_CORERESET = 1;
const HALT = 0xa05f0003;
const STEP = 0xa05f000d;
const RUN = 0xa05f0001;
const SYSRESETREQ = 0x05fa0004;
/** 52/57: RTC backup register and the PA21 (flash power switch) output bit sftool sets before the stub runs. */
const RTC_BKP0R = 0x500cb030;
const BKP0R_VALUE = 0xa640;
const GPIO_DOSR0 = 0x500a0008;
const PA21 = 1 << 21;
/** 56: LCPU activity flag and its debug halt register. */
const LP_ACTIVE_REG = 0x40040028;
const LCPU_DHCSR = 0x3000edf0;

export interface StubLoadOptions {
  link: DebugLink;
  shell: StubShell;
  chip: SifliChip;
  memory: SifliMemory;
  stub: Uint8Array;
  /** 256-byte MEMWrites (sftool `--compat`) instead of 64 KiB ones. */
  compat: boolean;
  events: EventSink;
  signal?: AbortSignal;
}

/**
 * Loads and starts the RAM stub through the debug IP (52/56/57), in sftool's order: reset-catch,
 * halt, write the blob, set SP/PC from its vector table, step, run, Exit, then wait for the shell.
 */
export async function loadStubViaDebug(o: StubLoadOptions): Promise<void> {
  const { link, chip, signal } = o;
  if (o.stub.length < 8) {
    throw new AnyflashError('stub-failed', `The SiFli stub is only ${o.stub.length} bytes; it needs at least a vector table.`, {
      family: 'sifli',
      chip: chip.name,
      advice: ['Give the stub file that matches the chip and memory (e.g. ram_patch_52X.bin for SF32LB52 NOR).'],
    });
  }
  const t0 = performance.now();
  o.events({ type: 'start', op: 'stub', total: o.stub.length });

  if (chip.name === 'sf32lb56') {
    await link.writeWord(DHCSR, HALT, signal);
    const [lp] = await link.readWords(LP_ACTIVE_REG, 1, signal);
    if (lp! & (1 << 5)) await link.writeWord(LCPU_DHCSR, HALT, signal);
  }

  const [demcr] = await link.readWords(DEMCR, 1, signal);
  await link.writeWord(DEMCR, demcr! | VC_CORERESET, signal);
  await link.writeWordNoReply(AIRCR, SYSRESETREQ);
  await sleep(10, signal);
  await reenter(link, chip.name, signal);
  await link.writeWord(DHCSR, HALT, signal);
  const [demcr2] = await link.readWords(DEMCR, 1, signal);
  await link.writeWord(DEMCR, demcr2! & ~VC_CORERESET, signal);
  await sleep(100, signal);

  await writeBlob(o, o.compat ? 256 : 0x10000);

  if (chip.name === 'sf32lb52' || chip.name === 'sf32lb57') {
    await link.writeWord(RTC_BKP0R, BKP0R_VALUE, signal);
    const [dosr] = await link.readWords(GPIO_DOSR0, 1, signal);
    await link.writeWord(GPIO_DOSR0, dosr! | PA21, signal);
  }

  const v = new DataView(o.stub.buffer, o.stub.byteOffset, o.stub.byteLength);
  const sp = v.getUint32(0, true);
  const pc = v.getUint32(4, true);
  await setCoreRegister(link, 15, pc, signal);
  await setCoreRegister(link, 13, sp, signal);
  await link.writeWord(DHCSR, STEP, signal);
  await sleep(110, signal);
  await link.writeWord(DHCSR, RUN, signal);
  await sleep(200, signal);

  await link.transport.flushInput();
  link.clear();
  await link.exit();
  o.shell.discard();
  const sd = o.memory === 'sd';
  const ok = sd
    ? await o.shell.sync(signal, 'sd0 OPEN success', chip.layout === 'be' ? 1000 : 5000, chip.layout === 'be' ? 6 : 2)
    : await o.shell.sync(signal);
  if (!ok) {
    throw new AnyflashError('stub-failed', `The SiFli stub was loaded but its shell did not answer (no "${sd ? 'sd0 OPEN success' : 'msh >'}").`, {
      family: 'sifli',
      chip: chip.name,
      advice: [
        `Check that the stub matches the chip and memory (${chip.stubFiles[o.memory] ?? 'see SiFli SDK tools/uart_download/file'}).`,
        'Marginal power can stop the stub: try another USB port or cable, or attach the battery.',
      ],
    });
  }
  o.events({ type: 'finish', op: 'stub', seconds: (performance.now() - t0) / 1000, bytes: o.stub.length });
}

/** After SYSRESETREQ the debug session is gone: knock again for a short while. */
async function reenter(link: DebugLink, chip: string, signal?: AbortSignal): Promise<void> {
  for (let i = 0; i < 10; i++) {
    throwIfAborted(signal);
    await link.sendEnter();
    const deadline = performance.now() + 100;
    while (performance.now() < deadline) {
      await link.poll(deadline, signal);
      if (link.take(REPLY_ENTER)) return;
    }
  }
  throw new AnyflashError('no-sync-reply', 'The SF32 debug interface did not come back after the core reset.', {
    family: 'sifli',
    chip,
    advice: ['Power-cycle the board and run again.'],
  });
}

async function setCoreRegister(link: DebugLink, reg: number, value: number, signal?: AbortSignal): Promise<void> {
  await link.writeWord(DCRDR, value, signal);
  await link.writeWord(DCRSR, 0x10000 | reg, signal);
  await sleep(10, signal);
}

/** Writes the blob in `chunk`-byte MEMWrites; a ragged tail is read-modify-written as a whole word. */
async function writeBlob(o: StubLoadOptions, chunk: number): Promise<void> {
  const { link, stub, signal } = o;
  const base = o.chip.stubAddress;
  const whole = stub.length - (stub.length % 4);
  for (let off = 0; off < whole; off += chunk) {
    throwIfAborted(signal);
    const end = Math.min(whole, off + chunk);
    await link.writeBytes(base + off, stub.subarray(off, end), signal);
    o.events({ type: 'progress', op: 'stub', done: end, total: stub.length });
  }
  if (whole < stub.length) {
    const [word] = await link.readWords(base + whole, 1, signal);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, word!, true);
    b.set(stub.subarray(whole));
    await link.writeBytes(base + whole, b, signal);
    o.events({ type: 'progress', op: 'stub', done: stub.length, total: stub.length });
  }
}
