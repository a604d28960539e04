/**
 * RFC 2217 (Telnet COM-PORT-OPTION) numbers. A subnegotiation is `IAC SB 44 <command> <value> IAC SE`;
 * the server answers with the client's command + 100 and the value now in effect.
 */
export const SERVER_OFFSET = 100;

export const Cpo = {
  signature: 0,
  setBaudrate: 1,
  setDatasize: 2,
  setParity: 3,
  setStopsize: 4,
  setControl: 5,
  notifyLinestate: 6,
  notifyModemstate: 7,
  flowcontrolSuspend: 8,
  flowcontrolResume: 9,
  setLinestateMask: 10,
  setModemstateMask: 11,
  purgeData: 12,
} as const;

/** SET-CONTROL values (RFC 2217 §3). */
export const Control = {
  requestFlow: 0,
  noFlow: 1,
  requestBreak: 4,
  breakOn: 5,
  breakOff: 6,
  requestDtr: 7,
  dtrOn: 8,
  dtrOff: 9,
  requestRts: 10,
  rtsOn: 11,
  rtsOff: 12,
  requestInboundFlow: 13,
  noInboundFlow: 14,
} as const;

export const Parity = { none: 1 } as const;
export const Stopsize = { one: 1 } as const;

export const Purge = { receive: 1, transmit: 2, both: 3 } as const;

export function u32be(n: number): Uint8Array {
  return Uint8Array.of((n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
}

export function readU32be(bytes: Uint8Array, offset: number): number {
  return ((bytes[offset]! << 24) | (bytes[offset + 1]! << 16) | (bytes[offset + 2]! << 8) | bytes[offset + 3]!) >>> 0;
}
