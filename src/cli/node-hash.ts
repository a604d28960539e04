import { createHash } from 'node:crypto';
import { nativeHash } from '../core/native-hash.js';

/** Digests of whole images (compare, verify, journal, records) in node:crypto rather than JavaScript. */
export function useNodeHashes(): void {
  nativeHash.md5 = (data) => createHash('md5').update(data).digest();
  nativeHash.sha256 = (data) => createHash('sha256').update(data).digest();
}
