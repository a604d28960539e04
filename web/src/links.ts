import { SimClock } from '../../src/sim/clock.js';
import type { SimDevice } from '../../src/sim/device.js';
import { SimLink } from '../../src/sim/link.js';
import { createSim } from '../../src/sim/registry.js';
import { simStubBlob } from '../../src/sim/sifli/index.js';
import { BridgeTransport } from '../../src/transport/bridge.js';
import { SimTransport } from '../../src/transport/sim.js';
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
  /** A stub the simulated SiFli ROM accepts, so simulators need no SDK file. */
  simulatedSifliStub?: Uint8Array;
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
const demoSims = new Map<string, { device: SimDevice; link: SimLink }>();

function demoSim(chip: string, autoReset: boolean): { device: SimDevice; link: SimLink } {
  const key = `${chip}:${autoReset}`;
  let sim = demoSims.get(key);
  if (!sim) {
    const device = createSim({ chip, clock: new SimClock(true), boot: 'firmware', autoReset });
    sim = { device, link: new SimLink(device, { realtime: true, latencyMs: 1 }) };
    demoSims.set(key, sim);
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
      const simulated = choice.port.startsWith('sim:');
      return { transport, how: `anyflash ui bridge → ${choice.port}`, simulatedSifliStub: simulated ? simStubBlob() : undefined };
    }
    case 'demo': {
      const { device, link } = demoSim(choice.chip, choice.autoReset);
      const transport = new SimTransport(link, `demo:${choice.chip}`);
      return { transport, how: `in-page simulator (${choice.chip}${choice.autoReset ? '' : ', no auto-reset'})`, sim: device, simulatedSifliStub: simStubBlob() };
    }
  }
}
