import { it } from 'node:test';
import assert from 'node:assert/strict';
import { runCli, serveTestSim } from './harness.js';

it('a firmware console every family can read (TCP carries it at any baud) is not blamed on the first family tried', async () => {
  const sim = await serveTestSim({ chip: 'sf32lb52', boot: 'firmware' });
  try {
    const r = await runCli(['info', '--port', sim.tcpUrl, '--no-wait', '--json']);
    assert.equal(r.code, 1, r.stderr);
    const { error } = JSON.parse(r.stdout) as { error: { code: string; summary: string; advice: string[]; family?: string } };
    assert.equal(error.code, 'firmware-owns-uart');
    assert.match(error.summary, /tried esp, beken, sifli/);
    assert.doesNotMatch(error.summary, /connect to ESP/);
    assert.equal(error.family, undefined);
    assert.ok(error.advice.some((a) => /^ESP: .*hold BOOT \(GPIO0/.test(a)), error.advice.join('\n'));
    assert.ok(error.advice.some((a) => /^SiFli: .*power-cycle/.test(a)), error.advice.join('\n'));
    assert.ok(error.advice.some((a) => /--chip/.test(a)));
  } finally {
    await sim.server.close();
    sim.device.dispose();
  }
});
