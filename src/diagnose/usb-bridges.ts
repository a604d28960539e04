/**
 * USB serial bridges by VID:PID, as data. Which bridge a port is tells us its latency, whether
 * DTR/RTS can reset the chip, and — on multi-channel parts — whether this channel is a UART at
 * all. Browser-safe (Web Serial reports VID/PID too).
 */

/** What a channel of a bridge does. */
export type ChannelRole =
  /** A plain UART: TX/RX plus DTR/RTS for the auto-reset circuit. */
  | 'uart'
  /** An MPSSE/JTAG channel (ESP-Prog channel A): not a serial line to the chip's UART. */
  | 'jtag'
  /** Espressif's built-in USB-Serial/JTAG peripheral: virtual DTR/RTS, the baud is ignored. */
  | 'usb-serial-jtag'
  /** The chip's own USB-OTG CDC port in ROM download mode. */
  | 'usb-otg';

export interface BridgeChannel {
  /** Channel name as the vendor labels it (`A`, `B`, `SCI`…). */
  name: string;
  role: ChannelRole;
}

export interface BridgeEntry {
  vid: number;
  /** One or more product ids sharing this row. */
  pids: readonly number[];
  /** Short bridge name for tables (`CP210x`, `CH340`, `FT2232`). */
  name: string;
  vendor: string;
  /** Boards commonly built on it; a guess, shown as such. */
  boards: readonly string[];
  /** Typical per-transfer latency in ms (FTDI's latency timer defaults to 16). */
  latencyMs: number;
  /** Channel roles by USB interface number; absent for single-channel bridges (always `uart`). */
  channels?: Readonly<Record<number, BridgeChannel>>;
  /** Family the port almost certainly belongs to, when the bridge is the chip itself. */
  family?: 'esp' | 'beken' | 'sifli';
}

const CP210X_BOARDS = ['ESP32 DevKitC / NodeMCU-32S', 'NodeMCU ESP8266 (v2)', 'many USB-UART adapters'];
const CH34X_BOARDS = ['Wemos D1 mini / NodeMCU v3 (ESP8266)', 'ESP32 dev board clones', 'cheap USB-UART adapters (Beken, ESP)'];

export const USB_BRIDGES: readonly BridgeEntry[] = [
  { vid: 0x10c4, pids: [0xea60], name: 'CP210x', vendor: 'Silicon Labs', boards: CP210X_BOARDS, latencyMs: 1 },
  {
    vid: 0x10c4, pids: [0xea70], name: 'CP2105', vendor: 'Silicon Labs', boards: ['dual-UART adapters'], latencyMs: 1,
    channels: { 0: { name: 'ECI', role: 'uart' }, 1: { name: 'SCI', role: 'uart' } },
  },
  { vid: 0x10c4, pids: [0xea71], name: 'CP2108', vendor: 'Silicon Labs', boards: ['quad-UART adapters'], latencyMs: 1 },
  { vid: 0x1a86, pids: [0x7523], name: 'CH340', vendor: 'WCH', boards: CH34X_BOARDS, latencyMs: 1 },
  { vid: 0x1a86, pids: [0x5523], name: 'CH341', vendor: 'WCH', boards: ['CH341A programmer in UART mode'], latencyMs: 1 },
  {
    vid: 0x1a86, pids: [0x55d2], name: 'CH342', vendor: 'WCH', boards: ['dual-UART adapters (e.g. SiFli/LuatOS boards)'], latencyMs: 1,
    channels: { 0: { name: 'A', role: 'uart' }, 2: { name: 'B', role: 'uart' } },
  },
  { vid: 0x1a86, pids: [0x55d3], name: 'CH343', vendor: 'WCH', boards: ['ESP32-S3/C3 dev boards', 'SiFli dev boards'], latencyMs: 1 },
  { vid: 0x1a86, pids: [0x55d4], name: 'CH9102', vendor: 'WCH', boards: ['ESP32 dev board clones (LilyGO, …)'], latencyMs: 1 },
  { vid: 0x0403, pids: [0x6001], name: 'FT232R', vendor: 'FTDI', boards: ['FTDI USB-UART cables and adapters'], latencyMs: 16 },
  {
    vid: 0x0403, pids: [0x6010], name: 'FT2232', vendor: 'FTDI', boards: ['ESP-Prog', 'ESP-WROVER-KIT'], latencyMs: 16,
    // ESP-Prog and ESP-WROVER-KIT wire channel A to JTAG and channel B to the chip's UART0.
    channels: { 0: { name: 'A', role: 'jtag' }, 1: { name: 'B', role: 'uart' } },
  },
  {
    vid: 0x0403, pids: [0x6011], name: 'FT4232', vendor: 'FTDI', boards: ['quad-channel FTDI adapters'], latencyMs: 16,
    channels: {
      0: { name: 'A', role: 'uart' }, 1: { name: 'B', role: 'uart' },
      2: { name: 'C', role: 'uart' }, 3: { name: 'D', role: 'uart' },
    },
  },
  { vid: 0x0403, pids: [0x6014], name: 'FT232H', vendor: 'FTDI', boards: ['FT232H breakout (UART or JTAG)'], latencyMs: 16 },
  { vid: 0x0403, pids: [0x6015], name: 'FT231X', vendor: 'FTDI', boards: ['FTDI X-series adapters'], latencyMs: 16 },
  { vid: 0x067b, pids: [0x2303], name: 'PL2303', vendor: 'Prolific', boards: ['PL2303 USB-UART cables'], latencyMs: 1 },
  {
    vid: 0x303a, pids: [0x1001], name: 'USB-Serial/JTAG', vendor: 'Espressif', latencyMs: 1, family: 'esp',
    boards: ['ESP32-C3/C6/H2/S3 (built-in USB-Serial/JTAG)'],
    channels: { 0: { name: 'CDC', role: 'usb-serial-jtag' } },
  },
  {
    vid: 0x303a, pids: [0x1002], name: 'esp-usb-bridge', vendor: 'Espressif', latencyMs: 1,
    boards: ['ESP-Prog-2 / esp-usb-bridge firmware'],
  },
  {
    vid: 0x303a, pids: [0x0002], name: 'ESP32-S2 USB-OTG', vendor: 'Espressif', latencyMs: 1, family: 'esp',
    boards: ['ESP32-S2 (native USB, ROM download mode)'], channels: { 0: { name: 'CDC', role: 'usb-otg' } },
  },
  {
    vid: 0x303a, pids: [0x0009], name: 'ESP32-S3 USB-OTG', vendor: 'Espressif', latencyMs: 1, family: 'esp',
    boards: ['ESP32-S3 (native USB-OTG, ROM download mode)'], channels: { 0: { name: 'CDC', role: 'usb-otg' } },
  },
];

export interface BridgeMatch {
  entry: BridgeEntry;
  /** The channel this interface is, on multi-channel bridges. */
  channel?: BridgeChannel;
  role: ChannelRole;
}

/** Identifies the bridge (and, given the USB interface number, its channel and role). */
export function identifyBridge(vid?: number, pid?: number, interfaceNumber?: number): BridgeMatch | undefined {
  if (vid === undefined || pid === undefined) return undefined;
  const entry = USB_BRIDGES.find((b) => b.vid === vid && b.pids.includes(pid));
  if (!entry) return undefined;
  const channel = interfaceNumber === undefined ? undefined : entry.channels?.[interfaceNumber];
  const single = entry.channels ? Object.values(entry.channels) : [];
  // A single-channel entry describes the port even when the interface number is unknown.
  const role = channel?.role ?? (single.length === 1 ? single[0]!.role : 'uart');
  return { entry, channel, role };
}

/** `10c4:ea60` — the usual way to print a VID:PID pair. */
export function vidPid(vid?: number, pid?: number): string {
  if (vid === undefined || pid === undefined) return '';
  return `${vid.toString(16).padStart(4, '0')}:${pid.toString(16).padStart(4, '0')}`;
}

/** `FT2232 channel A (JTAG)`, `CP210x` — for tables and evidence. */
export function describeBridge(match: BridgeMatch): string {
  let s = match.entry.name;
  if (match.channel && Object.keys(match.entry.channels ?? {}).length > 1) s += ` channel ${match.channel.name}`;
  if (match.role === 'jtag') s += ' (JTAG)';
  return s;
}
