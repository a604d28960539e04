import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addressFromName, readProject, regionsFor } from '../../web/src/files.js';

describe('web page file handling', () => {
  it('reads flasher_args.json into expected files with their offsets', () => {
    const text = JSON.stringify({
      flash_files: { '0x1000': 'bootloader/bootloader.bin', '0x8000': 'partition_table/partition-table.bin', '0x10000': 'hello.bin' },
      extra_esptool_args: { chip: 'esp32' },
    });
    const { expect } = readProject('flasher_args.json', text);
    assert.deepEqual(Object.fromEntries([...expect].map(([k, v]) => [k, v.address])), {
      'bootloader.bin': 0x1000,
      'partition-table.bin': 0x8000,
      'hello.bin': 0x10000,
    });
  });

  it('takes the manifest build of the connected chip', () => {
    const text = JSON.stringify({
      builds: [
        { chipFamily: 'ESP32', parts: [{ path: 'a.bin', offset: 0x1000 }] },
        { chipFamily: 'ESP32-S3', parts: [{ path: 'a.bin', offset: 0x0 }] },
      ],
    });
    assert.equal(readProject('manifest.json', text, 'esp32s3').expect.get('a.bin')!.address, 0);
    assert.equal(readProject('manifest.json', text).expect.get('a.bin')!.address, 0x1000);
  });

  it('refuses a manifest part without an offset with bad-input', () => {
    assert.throws(() => readProject('m.json', JSON.stringify({ builds: [{ parts: [{ path: 'a.bin' }] }] })), { code: 'bad-input' });
  });

  it('finds addresses in file names, and marks ESP bootloader-area regions critical', () => {
    assert.equal(addressFromName('app@0x10000.bin'), 0x10000);
    assert.equal(addressFromName('0x8000-partitions.bin'), 0x8000);
    assert.equal(addressFromName('app.bin'), undefined);
    const { regions } = regionsFor(
      [
        { id: 1, name: 'boot.bin', bytes: new Uint8Array(16), address: 0x1000 },
        { id: 2, name: 'app.bin', bytes: new Uint8Array(16), address: 0x10000 },
      ],
      'esp32',
      'esp',
    );
    assert.deepEqual(regions.map((r) => [r.address, r.critical]), [[0x1000, true], [0x10000, false]]);
  });

  it('a raw binary without an address asks for one', () => {
    assert.throws(() => regionsFor([{ id: 1, name: 'x.bin', bytes: new Uint8Array(16) }]), { code: 'bad-input' });
  });
});
