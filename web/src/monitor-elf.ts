/** The web monitor's decoder: crash addresses (and defmt frames) decoded against a dropped ELF. */
import { DefmtDecoder, defmtTable } from '../../src/formats/defmt.js';
import { isElf, parseElf } from '../../src/formats/elf.js';
import { symbolizerFor } from '../../src/formats/symbolizer.js';
import { ConsoleText } from '../../src/monitor/console-text.js';
import { CrashDecoder } from '../../src/monitor/crash-decoder.js';
import type { FileEntry } from './files.js';

export async function monitorView(picked: File | undefined, entries: readonly FileEntry[], note: (text: string) => void): Promise<ConsoleText> {
  const source = picked
    ? { name: picked.name, bytes: new Uint8Array(await picked.arrayBuffer()) }
    : entries.find((e) => isElf(e.bytes));
  if (!source || !isElf(source.bytes)) return new ConsoleText();
  try {
    const t0 = performance.now();
    const elf = parseElf(source.bytes, source.name);
    const symbols = symbolizerFor(elf);
    const table = defmtTable(elf);
    note(`Decoding crashes against ${source.name} (indexed in ${(performance.now() - t0).toFixed(0)} ms${table ? ', with defmt' : ''}).`);
    return new ConsoleText(new CrashDecoder([symbols]), table ? new DefmtDecoder(table) : undefined);
  } catch (e) {
    note(`${source.name} cannot be used for decoding: ${(e as Error).message}`);
    return new ConsoleText();
  }
}
