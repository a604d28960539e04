import { AnyflashError } from '../../../src/core/errors.js';
import type { SifliChip, SifliMemory } from '../../../src/families/sifli/chips.js';
import type { LocatedStub } from '../../../src/families/sifli/stub-locate.js';

/** Browser stand-in for the Node-only search of SiFli SDK folders: the page asks for the file. */
export function locateStub(chip: SifliChip, memory: SifliMemory): LocatedStub {
  throw new AnyflashError('stub-missing', `No SiFli flasher stub was chosen for ${chip.name.toUpperCase()}.`, {
    family: 'sifli',
    chip: chip.name,
    advice: [`Choose SiFli's ${chip.stubFiles[memory] ?? 'stub'} file (from the SiFli SDK or sftool) under "SiFli stub", then connect again.`],
  });
}
