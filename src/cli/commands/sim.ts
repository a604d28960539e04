import type { Command } from 'commander';
import { Option } from 'commander';
import { AnyflashError, toAnyflashError } from '../../core/errors.js';
import { parseNumber, parseSize } from '../../engine/parse.js';
import { Output } from '../output.js';

interface SimFlags {
  tcp?: string;
  rfc2217?: string;
  control?: string;
  flashSize?: string;
  flashFile?: string;
  mac?: string;
  latencyMs: string;
  realtime: boolean;
  boot: 'download' | 'firmware';
  autoReset: boolean;
  resetHelper: boolean;
  set: string[];
  json?: boolean;
  fault: string[];
  seed?: string;
  faultWriteSize?: string;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** `key=value` knobs: numbers, booleans and strings. */
function parseKnobs(items: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const item of items) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new AnyflashError('bad-input', `--set ${item}: expected KEY=VALUE.`);
    const raw = item.slice(eq + 1);
    out[item.slice(0, eq)] = raw === 'true' ? true : raw === 'false' ? false : /^(0x[0-9a-f]+|\d+(\.\d+)?)$/i.test(raw) ? Number(raw) : raw;
  }
  return out;
}

export function parseHostPort(text: string, what: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(text);
  if (!m) throw new AnyflashError('bad-input', `${what}: "${text}" is not HOST:PORT (e.g. 127.0.0.1:5555).`);
  const port = parseNumber(m[3]!, what);
  if (port > 65535) throw new AnyflashError('bad-input', `${what}: port ${port} is out of range.`);
  return { host: m[1] ?? m[2]!, port };
}

export function register(program: Command): void {
  const sim = program
    .command('sim')
    .description('run a simulated chip and serve it over TCP and/or RFC 2217 (one client at a time)')
    .argument('<chip>', 'chip to simulate');
  // The simulators load only when `sim` runs (or shows its help), which is when the chip list is read.
  program.hook('preSubcommand', async (_program, command) => {
    if (command !== sim) return;
    const { simChips } = await import('../../sim/registry.js');
    sim.registeredArguments[0]!.description = `chip to simulate (${simChips().join(', ')})`;
  });
  sim
    .option('--tcp <host:port>', 'serve raw bytes over TCP (like esptool socket://)')
    .option('--rfc2217 <host:port>', 'serve over RFC 2217 (DTR/RTS and baud reach the chip)')
    .option('--control <host:port>', 'line-based bench control: power-cycle, hold-boot, release-boot, press-reset, status')
    .option('--flash-size <size>', 'flash size (e.g. 4M)')
    .option('--flash-file <file>', 'persist flash contents to FILE (created 0xFF-filled if absent)')
    .option('--mac <mac>', "the board's MAC (aa:bb:cc:dd:ee:ff): ESP eFuses, a Beken's MAC block in a new flash; default: the simulator's fixed one")
    .addOption(new Option('--latency-ms <ms>', 'USB latency per transfer').default('1'))
    .option('--no-realtime', 'do not throttle to the physical link model')
    .addOption(new Option('--boot <state>', 'state at start').choices(['download', 'firmware']).default('download'))
    .option('--no-auto-reset', 'DTR/RTS not wired: only a power cycle with BOOT held enters download mode')
    .option(
      '--no-reset-helper',
      "ESP over RFC 2217: pass DTR/RTS straight to the simulated circuit instead of running the download-mode entry server-side, as Espressif's esp_rfc2217_server does",
    )
    .option('--fault <spec>', 'inject a fault (repeatable): corrupt=RATE, drop=RATE, stall=AT:DURATION, brownout=AT, vanish=AT:DURATION, max-baud=N, slow-flash=F; AT is 50%, 0x4f000 or 3s; DURATION is 2s, 500ms or 2 (seconds)', (v: string, all: string[]) => [...all, v], [] as string[])
    .option('--seed <n>', 'seed for the random faults (same seed, same run)')
    .option('--fault-write-size <size>', 'bytes that AT=N% refers to, over the session (default: N% of the write in progress)')
    .option('--set <key=value>', 'family-specific simulator knob, repeatable (e.g. maxBaud=460800, bootWindowMs=2000)', collect, [])
    .option('--json', 'print the ready line as JSON')
    .action(async (chip: string, flags: SimFlags) => {
      const out = new Output({ json: flags.json });
      try {
        const [{ SimClock }, { FaultPlan, parseFault }, { finishPending }, { SimLink }, { createSim }, { serveSim }, { FlashFile }, { parseMac }] = await Promise.all([
          import('../../sim/clock.js'),
          import('../../sim/faults.js'),
          import('../../sim/finish.js'),
          import('../../sim/link.js'),
          import('../../sim/registry.js'),
          import('../../sim/server.js'),
          import('../flash-file.js'),
          import('../../sim/options.js'),
        ]);
        if (!flags.tcp && !flags.rfc2217) throw new AnyflashError('bad-input', 'Give --tcp HOST:PORT and/or --rfc2217 HOST:PORT.');
        const tcp = flags.tcp ? parseHostPort(flags.tcp, '--tcp') : undefined;
        const rfc2217 = flags.rfc2217 ? parseHostPort(flags.rfc2217, '--rfc2217') : undefined;
        const control = flags.control ? parseHostPort(flags.control, '--control') : undefined;
        const flashSize = flags.flashSize ? parseSize(flags.flashSize, '--flash-size') : undefined;
        const latencyMs = Number(parseNumber(flags.latencyMs, '--latency-ms'));
        const faultSpecs = flags.fault.map(parseFault);
        const seed = flags.seed === undefined ? undefined : parseNumber(flags.seed, '--seed');
        const faultWriteSize = flags.faultWriteSize === undefined ? undefined : parseSize(flags.faultWriteSize, '--fault-write-size');
        const mac = flags.mac ? parseMac(flags.mac, '--mac') : undefined;
        const initial = flags.flashFile ? FlashFile.load(flags.flashFile) : undefined;
        const file = flags.flashFile ? new FlashFile(flags.flashFile) : undefined;
        const clock = new SimClock(flags.realtime);
        const device = createSim({
          chip,
          clock,
          flashSize,
          flashInitial: initial,
          flashBacking: file,
          boot: flags.boot,
          autoReset: flags.autoReset,
          ...(mac ? { mac } : {}),
          extra: parseKnobs(flags.set),
        });
        if (file && (!initial || initial.length !== device.flash.size)) file.init(device.flash.data);
        const link = new SimLink(device, { latencyMs, realtime: flags.realtime });
        const served = await serveSim({ device, link, tcp, rfc2217, control, espResetHelper: flags.resetHelper && device.family === 'esp' });
        const faults = faultSpecs.length > 0 ? new FaultPlan(faultSpecs, { seed, writeSize: faultWriteSize }) : undefined;
        faults?.attach(link, { vanish: (ms) => served.vanish(ms) });
        const ready = { ready: true, chip: device.chip, ...served.urls, flashFile: flags.flashFile ?? null };
        const urls = Object.entries(served.urls).map(([kind, url]) => (kind === 'control' ? `control=${url}` : url));
        if (flags.json) process.stdout.write(JSON.stringify(ready) + '\n');
        else process.stdout.write(`anyflash sim ${device.chip} ready: ${urls.join(' ')}\n`);
        // Stopping: no more client bytes, then what the chip already heard and holds is finished at
        // once (also in realtime mode, with a client still connected), so --flash-file is complete
        // when the process is gone.
        const stop = (): void => {
          faults?.dispose();
          served.pause();
          void finishPending(link, clock)
            .then(() => served.close())
            .finally(() => {
              file?.close();
              process.exit(0);
            });
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      } catch (e) {
        process.exitCode = out.fail(toAnyflashError(e));
      }
    });
}
