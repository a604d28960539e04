import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isAnyflashError } from '../../src/core/errors.js';
import { connectDevice } from '../../src/families/index.js';
import { openSimPort, simConnectExtra } from '../../src/sim/port.js';

async function identity(url: string): Promise<{ mac?: string; flashId?: number }> {
  const port = openSimPort(url);
  await port.transport.open();
  try {
    const chip = port.device.chip;
    const device = await connectDevice({ transport: port.transport, chip, wait: false, extra: simConnectExtra(chip), events: () => {} });
    const { mac, flashId } = await device.info();
    return { mac, flashId };
  } finally {
    await port.transport.close();
    port.device.dispose();
  }
}

test('mac= puts a simulated Beken board\'s MAC in its flash\'s MAC block, where the flasher reads it; flash contents given keep their own', async () => {
  assert.equal((await identity('sim:bk7231n?mac=c8:47:8c:00:00:07')).mac, 'c8:47:8c:00:00:07');
  assert.equal((await identity('sim:bk7231t?mac=c8:47:8c:00:00:08')).mac, 'c8:47:8c:00:00:08');
  assert.equal((await identity('sim:bk7231n')).mac, 'c8:47:8c:12:34:56');
  // The MAC is flash content: a board whose flash is given (a flash file, a board moved to another slot) keeps its block.
  const moved = openSimPort('sim:bk7231n?mac=c8:47:8c:00:00:09');
  const flash = moved.device.flash.data.slice();
  moved.device.dispose();
  const port = openSimPort('sim:bk7231n?mac=c8:47:8c:00:00:0a', { flashInitial: flash });
  assert.deepEqual([...port.device.flash.data.subarray(0x1d0024, 0x1d002a)], [0xc8, 0x47, 0x8c, 0, 0, 9]);
  port.device.dispose();
});

test('mac= on a chip whose flasher reads no MAC (it knows the board by its flash id) is refused, not ignored', () => {
  for (const chip of ['bk7238', 'sf32lb52']) {
    assert.throws(() => openSimPort(`sim:${chip}?mac=02:00:00:00:00:01`), (e: unknown) => isAnyflashError(e) && e.code === 'bad-input' && /reads no MAC/.test(e.message), chip);
  }
});
