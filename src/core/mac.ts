/**
 * The 12 hex digits (lower case) of a MAC written with `:`, `-`, `_`, `.` or spaces between its
 * bytes, or none; undefined when the text is not a MAC. One rule for every place a MAC is matched
 * (journal keys, per-device data, the simulator's `--mac`).
 */
export function macHex(text: string): string | undefined {
  const hex = text.replace(/[-:_.\s]/g, '').toLowerCase();
  return /^[0-9a-f]{12}$/.test(hex) ? hex : undefined;
}
