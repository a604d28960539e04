import type { Command } from 'commander';
import { Option } from 'commander';
import { hexAddr } from '../../core/bytes.js';
import { withDevice, outputOptions, type GlobalFlags } from '../common.js';

/** A small deterministic application-like image, so the demo needs no files. */
function demoImage(size: number): Uint8Array {
  const out = new Uint8Array(size);
  let x = 0x12345678;
  const text = new TextEncoder().encode('anyflash demo firmware: hello from a simulated chip\n');
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = (i >> 12) % 3 === 0 ? text[i % text.length]! : x & 0xff;
  }
  return out;
}

const DEMO_ADDRESS: Record<string, number> = { esp: 0x10000, beken: 0x11000, sifli: 0x12020000 };

export function register(program: Command): void {
  outputOptions(
    program
      .command('demo')
      .description('flash a built-in image to a simulated chip twice (the second run skips unchanged sectors) — no hardware needed')
      .addOption(new Option('-c, --chip <chip>', 'simulated chip').default('esp32'))
      .addOption(new Option('-b, --baud <baud>', 'working baud').default('921600')),
  ).action(async (flags: GlobalFlags & { chip: string }) => {
    const { writeRegions } = await import('../../engine/write.js');
    const image = demoImage(192 * 1024);
    const port = `sim:${flags.chip}?realtime=1&latency=1&boot=firmware&auto-reset=1`;
    process.exitCode = await withDevice({ ...flags, port, after: 'no-reset' }, async ({ device, out, signal }) => {
      const address = DEMO_ADDRESS[device.family] ?? 0x10000;
      const info = await device.info();
      out.say(`Simulated ${info.description}, flash ${info.flashSize / 0x100000} MiB — writing a ${image.length / 1024} KiB demo app at ${hexAddr(address)}`);
      const first = await writeRegions(device, [{ address, data: image, name: 'demo-app.bin' }], { events: out.events, signal });
      out.say(`First write: ${first.writtenBytes} B written and verified in ${first.seconds.toFixed(2)} s.`);
      const changed = image.slice();
      changed.fill(0x42, 0x8000, 0x9000);
      const second = await writeRegions(device, [{ address, data: changed, name: 'demo-app.bin (one sector changed)' }], { events: out.events, signal });
      out.result(
        { ok: true, chip: device.chip, first, second },
        [
          `Second write with one 4 KiB sector changed: ${second.writtenBytes} B sent, ${second.skippedBytes} B unchanged and skipped, verified in ${second.seconds.toFixed(2)} s.`,
          'Next: `anyflash sim esp32 --tcp 127.0.0.1:5555` serves the simulator to any tool; `anyflash --help` lists every command.',
        ],
      );
    });
  });
}
