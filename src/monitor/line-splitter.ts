/**
 * Splits a console byte stream into lines (CR, LF or CRLF) while still showing a partial line — a
 * prompt, progress dots — once the stream has been quiet: `take()` returns finished lines and, when
 * asked, the unfinished rest, remembering that the next piece continues a line already shown.
 */
export interface LinePiece {
  text: string;
  /** False for a partial line shown before its end arrived. */
  complete: boolean;
  /** True when this piece continues a partial line shown earlier (no prefix/timestamp again). */
  continued: boolean;
}

export class LineSplitter {
  private pending = '';
  private shownPartial = false;
  private lastWasCr = false;
  private readonly decoder = new TextDecoder('utf-8', { fatal: false });

  push(bytes: Uint8Array): LinePiece[] {
    const text = this.decoder.decode(bytes, { stream: true });
    const out: LinePiece[] = [];
    for (const ch of text) {
      if (ch === '\n' && this.lastWasCr) {
        this.lastWasCr = false;
        continue;
      }
      this.lastWasCr = ch === '\r';
      if (ch === '\n' || ch === '\r') {
        out.push({ text: this.pending, complete: true, continued: this.shownPartial });
        this.pending = '';
        this.shownPartial = false;
      } else this.pending += ch;
    }
    return out;
  }

  /** The unfinished line so far (after a quiet spell); the rest of it will come as `continued`. */
  flushPartial(): LinePiece | undefined {
    if (!this.pending) return undefined;
    const piece = { text: this.pending, complete: false, continued: this.shownPartial };
    this.pending = '';
    this.shownPartial = true;
    return piece;
  }
}
