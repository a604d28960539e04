import { setStubSource, type StubJson } from '../../src/families/esp/stub-source.js';

/**
 * The ESP flasher stubs (esp-flasher-stub JSON from the esptool-js package, Apache-2.0 OR MIT),
 * bundled by Vite as one lazy chunk per chip: a page only downloads the stub of the chip it meets.
 */
const STUBS = import.meta.glob<StubJson>('../../node_modules/esptool-js/lib/targets/stub_flasher/*.json', { import: 'default' });

export function installBrowserStubs(): void {
  setStubSource(async (name) => {
    const key = Object.keys(STUBS).find((k) => k.endsWith(`/${name}.json`));
    if (!key) throw new Error(`no bundled stub ${name}.json`);
    return STUBS[key]!();
  });
}
