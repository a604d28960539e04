import { AnyflashError } from '../../core/errors.js';
import type { EventSink } from '../../core/events.js';
import { sleep, throwIfAborted } from '../../core/time.js';
import type { SifliChip } from './chips.js';
import type { StubShell } from './stub-shell.js';

/** Header of a signed 55/58 stub: 32 bytes plus a 296-byte signature block, sent as the first record. */
const SIGNED_HEADER = 328;
const CHUNK = 548;
/** An RT-Thread shell's answer to a command it does not have. */
const NOT_FOUND = 'command not found';

export interface DfuOptions {
  shell: StubShell;
  chip: SifliChip;
  stub: Uint8Array;
  /** `58X_sig_pub.der`, the key the ROM checks the stub with. */
  sigPub: Uint8Array;
  events: EventSink;
  signal?: AbortSignal;
  /** Called when the ROM accepted the first record: the shell is the ROM's, not a firmware's. */
  onAccepted?: () => void;
}

/**
 * 55/58: the ROM boot shell (`msh >`, BOOT_MODE pin high at reset) takes the signed stub through
 * `dfu_recv <n>` records `[type, id] + data`: key [3,10], header [1,9], body chunks [2,9], end [4,9].
 */
export async function loadStubViaDfu(o: DfuOptions): Promise<void> {
  const { shell, signal } = o;
  if (!(await shell.sync(signal, 'msh >', 300, 4))) {
    throw new AnyflashError('wrong-boot-mode', `The ${o.chip.name.toUpperCase()} boot shell does not answer: the chip is not in its ROM download mode.`, {
      family: 'sifli',
      chip: o.chip.name,
      advice: [
        'Connect BOOT_MODE to VCC, keep it there for the whole download, press RESET, then run anyflash again.',
        'Use the ROM download UART (on DevKits the on-board USB-UART).',
      ],
    });
  }
  const t0 = performance.now();
  o.events({ type: 'start', op: 'stub', total: o.stub.length });
  await record(o, 3, 10, o.sigPub, 3000);
  o.onAccepted?.();
  await record(o, 1, 9, o.stub.subarray(0, SIGNED_HEADER), 3000);
  for (let off = SIGNED_HEADER; off < o.stub.length; off += CHUNK) {
    throwIfAborted(signal);
    await record(o, 2, 9, o.stub.subarray(off, off + CHUNK), 3000);
    o.events({ type: 'progress', op: 'stub', done: Math.min(o.stub.length, off + CHUNK), total: o.stub.length });
  }
  await record(o, 4, 9, new Uint8Array(0), 5000);
  if (!(await shell.sync(signal))) {
    throw new AnyflashError('stub-failed', 'The signed SiFli stub was accepted but its shell did not answer.', {
      family: 'sifli',
      chip: o.chip.name,
      advice: ['Check that the stub file matches the chip and memory type; power-cycle with BOOT_MODE high and retry.'],
    });
  }
  o.events({ type: 'finish', op: 'stub', seconds: (performance.now() - t0) / 1000, bytes: o.stub.length });
}

async function record(o: DfuOptions, type: number, id: number, data: Uint8Array, timeoutMs: number): Promise<void> {
  const body = new Uint8Array(2 + data.length);
  body[0] = type;
  body[1] = id;
  body.set(data, 2);
  await o.shell.command(`dfu_recv ${body.length}`);
  await sleep(10, o.signal);
  await o.shell.transport.write(body);
  const got = await o.shell.waitFor(['OK', 'Fail', NOT_FOUND], timeoutMs, o.signal);
  if (got?.match === NOT_FOUND) {
    throw new AnyflashError('firmware-owns-uart', `A firmware's shell answers on this UART, not the ${o.chip.name.toUpperCase()} ROM download shell (it does not know dfu_recv).`, {
      family: 'sifli',
      chip: o.chip.name,
      advice: [
        'Connect BOOT_MODE to VCC, press RESET, then run anyflash again; or give --chip when it is an SF32LB52/56 running its firmware.',
      ],
    });
  }
  if (got?.match !== 'OK') {
    throw new AnyflashError('stub-failed', `The ${o.chip.name.toUpperCase()} ROM ${got ? 'rejected' : 'did not acknowledge'} DFU record [${type},${id}].`, {
      family: 'sifli',
      chip: o.chip.name,
      advice:
        type === 3 || type === 1
          ? ['The ROM checks the stub signature: use the key and stub from the same sftool or SiFli SDK release.']
          : ['Power-cycle with BOOT_MODE high and retry; check the cable.'],
    });
  }
}
