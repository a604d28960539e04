import type { Transport } from '../transport/types.js';

/** Text of a chip that has reset itself: boot ROM and firmware logs at the console rate. */
const BOOT_OR_APP_TEXT = /rst:0x|boot:0x|ets [A-Z][a-z]{2}|ESP-ROM:|Brownout|[IWE] \(\d+\) \w+:|invalid header|bootloader|jump to pc|SFBL|msh >/;

/** Steps down through these rates when the link keeps failing. */
export const BAUD_STEPS = [2000000, 1500000, 921600, 460800, 230400, 115200];

/**
 * Listens briefly (a firmware logs about once a second) on a freshly reopened port: a chip that
 * rebooted during the job prints there, which tells a reboot from a garbled link in the summary.
 */
export async function heardBootText(transport: Transport, signal: AbortSignal, ms = 1100): Promise<boolean> {
  const until = performance.now() + ms;
  let text = '';
  while (performance.now() < until) {
    const bytes = await transport.read({ deadline: until, signal }).catch(() => new Uint8Array(0));
    if (bytes.length === 0) return false;
    text += new TextDecoder('latin1').decode(bytes);
    if (BOOT_OR_APP_TEXT.test(text)) return true;
  }
  return false;
}
