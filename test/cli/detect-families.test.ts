import { it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectDevice } from '../../src/families/index.js';
import { SimClock } from '../../src/sim/clock.js';
import { SimLink } from '../../src/sim/link.js';
import { createSim } from '../../src/sim/registry.js';
import { serveSim, type SimServer } from '../../src/sim/server.js';
import { simStubFiles } from '../../src/sim/sifli/index.js';
import { createTransport } from '../../src/transport/open.js';
import { runCli, serveTestSim } from './harness.js';

/** SiFli's stub files as the simulated chips take them, where ANYFLASH_SIFLI_STUB finds them. */
const stubDir = mkdtempSync(join(tmpdir(), 'anyflash-stubs-'));
writeFileSync(join(stubDir, 'ram_patch_52X.bin'), simStubFiles('sf32lb52').stub);
writeFileSync(join(stubDir, 'ram_patch_56X.bin'), simStubFiles('sf32lb56').stub);
writeFileSync(join(stubDir, 'ram_patch_58x.bin'), simStubFiles('sf32lb58').stub);
writeFileSync(join(stubDir, '58X_sig_pub.der'), simStubFiles('sf32lb58').sigPub!);

interface Info {
  family?: string;
  chip?: string;
  error?: { code: string; summary: string };
}

/** A chip served as `anyflash sim` serves it: DTR/RTS wired (on an SF32 board RTS switches the supply), ESP resets run server-side. */
async function serveLikeAnyflashSim(chip: string): Promise<{ urls: SimServer['urls']; close: () => Promise<void> }> {
  const device = createSim({ chip, clock: new SimClock(false), boot: 'download', autoReset: true });
  const link = new SimLink(device, { latencyMs: 0, realtime: false });
  const server = await serveSim({ device, link, tcp: { host: '127.0.0.1', port: 0 }, rfc2217: { host: '127.0.0.1', port: 0 }, espResetHelper: device.family === 'esp' });
  return { urls: server.urls, close: async () => (await server.close(), device.dispose()) };
}

async function detectOver(chip: string, kind: 'tcp' | 'rfc2217'): Promise<Info> {
  const sim = await serveLikeAnyflashSim(chip);
  try {
    const r = await runCli(['info', '--port', sim.urls[kind]!, '--no-wait', '--json'], { env: { ANYFLASH_SIFLI_STUB: stubDir } });
    return JSON.parse(r.stdout) as Info;
  } finally {
    await sim.close();
  }
}

it('without --chip, every family is found over a real socket, whatever the other families saw on the line', async () => {
  const cases = [
    ['esp32', 'rfc2217'],
    ['bk7231n', 'rfc2217'],
    ['bk7231t', 'tcp'],
    ['sf32lb52', 'rfc2217'],
    ['sf32lb56', 'tcp'],
    ['sf32lb58', 'rfc2217'],
  ] as const;
  const found = await Promise.all(cases.map(([chip, kind]) => detectOver(chip, kind)));
  cases.forEach(([chip, kind], i) => {
    const info = found[i]!;
    assert.equal(info.chip, chip, `${chip} over ${kind}: ${JSON.stringify(info.error ?? info)}`);
  });
});

it('sim:<chip> names its chip: a simulated SF32 is found in its boot window, not lost to the other families', async () => {
  const t0 = performance.now();
  const r = await runCli(['info', '--port', 'sim:sf32lb52', '--no-wait', '--json']);
  const info = JSON.parse(r.stdout) as Info;
  assert.equal(r.code, 0, r.stderr);
  assert.equal(info.family, 'sifli');
  assert.equal(info.chip, 'sf32lb52');
  assert.ok(performance.now() - t0 < 10_000);
});

it('the SiFli handshake starts about a second after detection began, not after full ESP and Beken attempts', async () => {
  const sim = await serveTestSim({ chip: 'sf32lb52', autoReset: true });
  const transport = createTransport(sim.rfc2217Url);
  const t0 = performance.now();
  let sifliAt = 0;
  try {
    await transport.open();
    const device = await connectDevice({
      transport,
      wait: false,
      extra: { stub: simStubFiles('sf32lb52').stub },
      events: (e) => {
        if (e.type === 'note' && /Trying SiFli/.test(e.message) && !sifliAt) sifliAt = performance.now() - t0;
      },
    });
    assert.equal(device.chip, 'sf32lb52');
    // The short ESP and Beken attempts take ~0.5 s each; full ones took 5 s and more.
    assert.ok(sifliAt > 0 && sifliAt < 2000, `SiFli tried after ${Math.round(sifliAt)} ms`);
    await device.disconnect();
  } finally {
    await transport.close();
    await sim.server.close();
    sim.device.dispose();
  }
});
