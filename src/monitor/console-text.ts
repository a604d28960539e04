/**
 * Console bytes → display text for a plain text view (the web UI's monitor): lines as they come,
 * each followed by its decoded crash addresses, defmt frames decoded, a partial line (a prompt)
 * shown after a quiet spell. Pure and browser-safe.
 */
import { DefmtStream, type DefmtDecoder } from '../formats/defmt.js';
import { formatDecoded, type CrashDecoder } from './crash-decoder.js';
import { LineSplitter, type LinePiece } from './line-splitter.js';

export class ConsoleText {
  private readonly splitter = new LineSplitter();
  private readonly frames: DefmtStream | undefined;
  private partial = '';

  constructor(
    private readonly decoder?: CrashDecoder,
    private readonly defmt?: DefmtDecoder,
  ) {
    this.frames = defmt ? new DefmtStream() : undefined;
  }

  push(bytes: Uint8Array): string {
    if (!this.frames) return this.lines(this.splitter.push(bytes));
    let text = '';
    for (const piece of this.frames.push(bytes)) {
      if (piece.kind === 'text') text += this.lines(this.splitter.push(piece.bytes));
      else text += this.frame(piece.frame);
    }
    return text;
  }

  /** Call when the port has been quiet: shows a line still waiting for its end. */
  idle(): string {
    const piece = this.splitter.flushPartial();
    return piece ? this.lines([piece]) : '';
  }

  private lines(pieces: LinePiece[]): string {
    let text = '';
    for (const p of pieces) {
      if (!p.complete) {
        this.partial += p.text;
        text += p.text;
        continue;
      }
      const full = this.partial + p.text;
      this.partial = '';
      text += `${p.text}\n`;
      const decoded = this.decoder?.decodeLine(full);
      for (const l of decoded ? formatDecoded(decoded) : []) text += `${l}\n`;
    }
    return text;
  }

  private frame(encoded: Uint8Array): string {
    try {
      const f = this.defmt!.decodeWire(encoded);
      return `${f.timestamp !== undefined ? `${f.timestamp} ` : ''}${(f.level ?? '').toUpperCase().padEnd(5)} ${f.text}\n`;
    } catch (e) {
      return `[defmt frame not decoded: ${(e as Error).message}]\n`;
    }
  }
}
