import type { SimDevice } from '../../src/sim/device.js';
import { openSimPort, simConnectExtra, type SimPort } from '../../src/sim/port.js';
import { BridgeTransport } from '../../src/transport/bridge.js';
import type { Transport } from '../../src/transport/types.js';
import { WebSerialTransport } from '../../src/transport/web-serial.js';

export type LinkChoice =
  | { kind: 'web-serial' }
  | { kind: 'bridge'; port: string }
  | { kind: 'demo'; chip: string; autoReset: boolean };

export interface OpenedLink {
  transport: Transport;
  /** How the page reaches the chip, for the device card. */
  how: string;
  /** The in-page simulator (demo mode), whose buttons the boot panel can press. */
  sim?: SimDevice;
  /** Family options a simulated chip needs (a stub the simulated SiFli ROM accepts, so no SDK file is needed). */
  simExtra?: Record<string, unknown>;
}

/** The access token `anyflash ui` put in the page address when it listens beyond loopback. */
const token = new URLSearchParams(location.search).get('token') ?? undefined;

export function bridgeEndpoint(): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/bridge`;
}

export async function fetchBridgePorts(): Promise<{ ports: BridgePort[]; sims: string[] } | null> {
  try {
    const res = await fetch(`./api/ports${token ? `?token=${encodeURIComponent(token)}` : ''}`);
    if (!res.ok) return null;
    return (await res.json()) as { ports: BridgePort[]; sims: string[] };
  } catch {
    return null;
  }
}

export interface BridgePort {
  path: string;
  byId?: string;
  bus: 'usb' | 'other';
  bridge?: string;
  board?: string;
  role?: string;
  product?: string;
  busyBy: string[];
}

/** Demo simulators live as long as the page, so a second flash finds the first one's bytes. */
const demoSims = new Map<string, SimPort>();

function demoSim(chip: string, autoReset: boolean): SimPort {
  const url = `sim:${chip}?realtime=1&boot=firmware&auto-reset=${autoReset ? 1 : 0}`;
  let sim = demoSims.get(url);
  if (!sim) {
    sim = openSimPort(url);
    demoSims.set(url, sim);
  }
  return sim;
}

/** Creates (not opens) the transport the person chose. Web Serial asks the browser for a port first. */
export async function createLink(choice: LinkChoice): Promise<OpenedLink> {
  switch (choice.kind) {
    case 'web-serial': {
      const port = await navigator.serial.requestPort();
      const transport = new WebSerialTransport(port);
      return { transport, how: `Web Serial (${transport.url})` };
    }
    case 'bridge': {
      const transport = new BridgeTransport({ endpoint: bridgeEndpoint(), port: choice.port, token });
      const simChip = /^sim:([a-z0-9_-]+)/i.exec(choice.port)?.[1]?.toLowerCase();
      return { transport, how: `anyflash ui bridge → ${choice.port}`, simExtra: simChip ? simConnectExtra(simChip) : undefined };
    }
    case 'demo': {
      const { device, transport } = demoSim(choice.chip, choice.autoReset);
      return { transport, how: `in-page simulator (${choice.chip}${choice.autoReset ? '' : ', no auto-reset'})`, sim: device, simExtra: simConnectExtra(device.chip) };
    }
  }
}
