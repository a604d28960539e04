import { hexAddr } from '../core/bytes.js';
import type { FlashDevice } from '../families/types.js';
import type { Region } from '../engine/regions.js';
import { findEspImageChip } from '../formats/esp-chips.js';
import { isEspImage } from '../formats/esp-image.js';
/** The ESP bootloader maps an app through the flash MMU in 64 KiB pages: an app partition starts on one. */
const ESP_APP_ALIGN = 0x10000;

export interface WriteWarning {
  code: 'unaligned-write' | 'app-not-bootable';
  message: string;
}

/**
 * What a write at these addresses will do that the person may not expect: a start inside a sector
 * (its other bytes are read and written back), an ESP app where the bootloader cannot run it.
 */
export function writeWarnings(device: FlashDevice, regions: readonly Region[]): WriteWarning[] {
  const out: WriteWarning[] = [];
  const sector = device.sectorSize;
  // The ESP8266 maps its app differently (non-OTA apps start at 0x0, OTA slots at 0x1000/0x81000).
  const espChip = device.family === 'esp' && device.chip !== 'esp8266' ? findEspImageChip(device.chip) : undefined;
  for (const r of regions) {
    const name = r.name ?? 'data';
    const offset = r.address - (device.flashBase !== undefined && r.address >= device.flashBase ? device.flashBase : 0);
    if (offset % sector !== 0) {
      const start = r.address - (offset % sector);
      out.push({
        code: 'unaligned-write',
        message: `${name} starts at ${hexAddr(r.address)}, inside the ${sector / 1024} KiB sector ${hexAddr(start)}–${hexAddr(start + sector)}: that sector's other bytes are read and written back unchanged.`,
      });
    }
    const isApp = espChip && isEspImage(r.data) && r.address !== espChip.bootloaderOffset;
    if (isApp && r.address % ESP_APP_ALIGN !== 0) {
      out.push({
        code: 'app-not-bootable',
        message: `${name} is an ESP app image at ${hexAddr(r.address)}, which is not 64 KiB aligned: the bootloader runs apps only from 64 KiB-aligned partitions, so it will not boot there (usual app address: 0x10000).`,
      });
    }
  }
  return out;
}
