/**
 * Readable names for mangled symbols when only the symbol table names a function: the nested-name
 * part of Itanium/legacy-Rust names (`_ZN7esp_hal4gpio7handler17h0123456789abcdefE` →
 * `esp_hal::gpio::handler`). Parameter types and templates' arguments are left out.
 */
const RUST_ESCAPES: Record<string, string> = {
  SP: '@', BP: '*', RF: '&', LT: '<', GT: '>', LP: '(', RP: ')', C: ',',
};

function unescapeRust(segment: string): string {
  let s = segment.startsWith('_$') ? segment.slice(1) : segment;
  s = s.replace(/\$([A-Z]{1,2}|u[0-9a-f]{2,6})\$/g, (all, code: string) => {
    if (code.startsWith('u')) return String.fromCodePoint(parseInt(code.slice(1), 16));
    return RUST_ESCAPES[code] ?? all;
  });
  return s.replace(/\.\./g, '::');
}

export function demangle(name: string): string {
  if (!name.startsWith('_ZN')) return name;
  const parts: string[] = [];
  let i = 3;
  // Qualifiers (const/volatile/ref) may precede the first length.
  while (i < name.length && /[rVKRO]/.test(name[i]!)) i++;
  while (i < name.length && name[i] !== 'E') {
    const m = /^\d+/.exec(name.slice(i));
    if (!m) return name;
    const len = Number(m[0]);
    i += m[0].length;
    if (i + len > name.length) return name;
    parts.push(name.slice(i, i + len));
    i += len;
  }
  if (parts.length === 0) return name;
  if (parts.length > 1 && /^h[0-9a-f]{16}$/.test(parts[parts.length - 1]!)) parts.pop();
  return parts.map(unescapeRust).join('::');
}
