import { AnyflashError } from '../../core/errors.js';

/** Espressif's esp-flasher-stub JSON format (one file per chip). */
export interface StubJson {
  entry: number;
  text: string;
  text_start: number;
  data?: string;
  data_start?: number;
  bss_start?: number;
}

export interface StubImage {
  name: string;
  entry: number;
  text: Uint8Array;
  textStart: number;
  data: Uint8Array;
  dataStart: number;
  bssStart?: number;
}

/** Returns the stub JSON for a file name such as `esp32s3` or `esp32p4-rev1`. */
export type StubSource = (name: string) => Promise<StubJson>;

/**
 * Node: reads the JSON files shipped in the npm package esptool-js@0.7.0
 * (`lib/targets/stub_flasher/<chip>.json`, esp-flasher-stub, Apache-2.0 OR MIT). Node modules are
 * imported lazily so a browser bundle never pulls them in; a browser build installs its own source
 * (static JSON imports) with `setStubSource`.
 */
export const nodeStubSource: StubSource = async (name) => {
  const { createRequire } = await import('node:module');
  const { readFile } = await import('node:fs/promises');
  const { dirname, join } = await import('node:path');
  const require = createRequire(import.meta.url);
  const root = dirname(require.resolve('esptool-js/package.json'));
  const text = await readFile(join(root, 'lib', 'targets', 'stub_flasher', `${name}.json`), 'utf8');
  return JSON.parse(text) as StubJson;
};

const isNode = typeof process !== 'undefined' && typeof process.versions?.node === 'string';

let source: StubSource | null = isNode ? nodeStubSource : null;

export function setStubSource(next: StubSource): void {
  source = next;
}

function base64(text: string | undefined): Uint8Array {
  if (!text) return new Uint8Array(0);
  const bin = atob(text);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

export async function loadStub(name: string): Promise<StubImage> {
  if (!source) {
    throw new AnyflashError('stub-missing', `No flasher stub source is installed for ${name}.`, {
      advice: ['Call setStubSource() with a loader for the esp-flasher-stub JSON files, or connect with noStub.'],
    });
  }
  let json: StubJson;
  try {
    json = await source(name);
  } catch (e) {
    throw new AnyflashError('stub-missing', `The flasher stub for ${name} could not be loaded.`, {
      cause: e,
      advice: ['Reinstall the package (the stub comes from the esptool-js dependency), or connect with --no-stub.'],
    });
  }
  return {
    name,
    entry: json.entry,
    text: base64(json.text),
    textStart: json.text_start,
    data: base64(json.data),
    dataStart: json.data_start ?? 0,
    bssStart: json.bss_start,
  };
}
