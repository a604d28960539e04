import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadStub, nodeStubSource, setStubSource } from '../../src/families/esp/stub-source.js';
import { isAnyflashError } from '../../src/core/errors.js';

test('a replacement stub source (as a browser build installs) is used, and its failure is stub-missing', async () => {
  try {
    setStubSource(async () => ({ entry: 0x40001004, text: btoa('\x01\x02\x03\x04'), text_start: 0x40001000, data: btoa('\xaa'), data_start: 0x3ff00000, bss_start: 0x3ff00010 }));
    const stub = await loadStub('esp32');
    assert.deepEqual(Array.from(stub.text), [1, 2, 3, 4]);
    assert.deepEqual(Array.from(stub.data), [0xaa]);
    assert.equal(stub.entry, 0x40001004);
    setStubSource(async () => {
      throw new Error('offline');
    });
    await assert.rejects(loadStub('esp32'), (e: unknown) => isAnyflashError(e, 'stub-missing'));
  } finally {
    setStubSource(nodeStubSource);
  }
});

test('the Node source reads esp-flasher-stub JSON from esptool-js', async () => {
  const json = await nodeStubSource('esp32c3');
  assert.equal(typeof json.entry, 'number');
  assert.equal(json.text_start, 0x40380000);
});
