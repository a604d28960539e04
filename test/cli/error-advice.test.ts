import { it } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { AnyflashError, ErrorCodes, type ErrorCode } from '../../src/core/errors.js';
import { Output } from '../../src/cli/output.js';
import { runCli, serveTestSim } from './harness.js';

/** What `Output.fail` prints for an error, with stderr and stdout captured. */
function rendered(e: AnyflashError, json: boolean): string {
  let text = '';
  const write = (chunk: string | Uint8Array): boolean => {
    text += String(chunk);
    return true;
  };
  const saved = [process.stderr.write, process.stdout.write];
  process.stderr.write = write as typeof process.stderr.write;
  process.stdout.write = write as typeof process.stdout.write;
  try {
    new Output({ json }).fail(e);
  } finally {
    [process.stderr.write, process.stdout.write] = saved as [typeof process.stderr.write, typeof process.stdout.write];
  }
  return text;
}

it('every error code, even raised without advice, is printed with what to do and never with "undefined"', () => {
  for (const code of Object.keys(ErrorCodes) as ErrorCode[]) {
    const human = rendered(new AnyflashError(code, 'Something failed.'), false);
    assert.match(human, /what to do: \S/, `${code}: ${human}`);
    assert.doesNotMatch(human, /undefined/, `${code}: ${human}`);
    const json = JSON.parse(rendered(new AnyflashError(code, 'Something failed.'), true)) as { error: { advice: string[] } };
    assert.ok(json.error.advice.length > 0 && json.error.advice.every((a) => a.trim() !== '' && !a.includes('undefined')), code);
  }
});

it('a second client on a server that serves one client gets port-busy with advice, over TCP and RFC 2217', async () => {
  const sim = await serveTestSim({ chip: 'esp32' });
  const first = new URL(sim.tcpUrl);
  const holder = connect({ host: first.hostname, port: Number(first.port) });
  try {
    await new Promise((r) => holder.once('connect', r));
    for (const url of [sim.tcpUrl, sim.rfc2217Url]) {
      const r = await runCli(['info', '--port', url, '--no-wait']);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /error \[port-busy\]/, r.stderr);
      assert.match(r.stderr, /what to do: \S/, r.stderr);
      assert.doesNotMatch(r.stderr + r.stdout, /undefined/);
      // A port failure ends the search: no other family is tried on the same port.
      assert.doesNotMatch(r.stderr, /tried esp, beken/);
    }
  } finally {
    holder.destroy();
    await sim.server.close();
    sim.device.dispose();
  }
});
