import { hexAddr } from '../core/bytes.js';
import { formatSize } from '../engine/regions.js';
import type { DeviceInfo } from '../families/types.js';

/** People's names for the families' `extra` facts, and how to show their values. */
const EXTRA: Record<string, { label: string; show?: (v: string | number | boolean) => string }> = {
  bootloaderOffset: { label: 'Bootloader at', show: (v) => (typeof v === 'number' ? hexAddr(v) : String(v)) },
  securityFlags: { label: 'Security flags', show: (v) => (typeof v === 'number' ? hexAddr(v) : String(v)) },
  securityFlagNames: { label: 'Security' },
  flashCryptCnt: { label: 'Flash crypt count' },
  chipId: { label: 'Chip ID' },
  apiVersion: { label: 'API version' },
  protocol: { label: 'Protocol' },
  bootloader: { label: 'Bootloader' },
  bootloaderCrc: { label: 'Bootloader CRC' },
  flashSizeSource: { label: 'Size read from' },
  flashVendor: { label: 'Flash vendor' },
  bootVersion: { label: 'Boot version' },
  efuseKey: { label: 'eFuse key' },
  efuseKeyKind: { label: 'eFuse key kind' },
  flashBase: { label: 'Flash base' },
  sector: { label: 'Sector size', show: (v) => (typeof v === 'number' ? formatSize(v) : String(v)) },
};

/** Facts the main lines already show. */
const SHOWN = new Set(['flashId']);

/** `someKey` → `Some key`, for facts a family adds without a label here yet. */
function labelOf(key: string): string {
  const words = key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** The flash id as hex; ESP ids also as esptool shows them (manufacturer, then device: memory type and capacity). */
export function flashIdParts(info: DeviceInfo): { flashId: string; flashManufacturer?: string; flashDevice?: string } | undefined {
  if (info.flashId === undefined) return undefined;
  const flashId = '0x' + info.flashId.toString(16).padStart(6, '0');
  if (info.family !== 'esp') return { flashId };
  const byte = (n: number): string => ((info.flashId! >>> (8 * n)) & 0xff).toString(16).padStart(2, '0');
  return { flashId, flashManufacturer: byte(0), flashDevice: byte(1) + byte(2) };
}

/** `info` for people: labelled lines, one column of values. */
export function infoLines(info: DeviceInfo): string[] {
  const id = flashIdParts(info);
  const rows: Array<[string, string]> = [
    ['Chip', `${info.description}${info.revision && !info.description.includes(info.revision) ? ` (revision ${info.revision})` : ''}`],
    ['Family', `${info.family} (${info.mode})`],
    ...(info.features.length ? [['Features', info.features.join(', ')] as [string, string]] : []),
    ...(info.mac ? [['MAC', info.mac] as [string, string]] : []),
    ...(info.crystalMHz ? [['Crystal', `${info.crystalMHz} MHz`] as [string, string]] : []),
    ...(id ? [['Flash ID', id.flashManufacturer ? `${id.flashId} (manufacturer ${id.flashManufacturer}, device ${id.flashDevice})` : id.flashId] as [string, string]] : []),
    ['Flash size', formatSize(info.flashSize)],
    ['Connected', `${info.strategy} at ${info.baud} baud`],
    ...Object.entries(info.extra)
      .filter(([k]) => !SHOWN.has(k))
      .map(([k, v]): [string, string] => [EXTRA[k]?.label ?? labelOf(k), EXTRA[k]?.show?.(v) ?? String(v)]),
  ];
  const width = Math.max(...rows.map(([label]) => label.length)) + 2;
  return rows.map(([label, value]) => `${(label + ':').padEnd(width)}${value}`);
}

/** `info --json`: the device facts, with the flash id in hex rather than a decimal number. */
export function infoJson(info: DeviceInfo): Record<string, unknown> {
  const { flashId: _number, ...rest } = info;
  return { ok: true, ...rest, ...flashIdParts(info) };
}
