/** Typed progress/diagnostic events. The library emits these; CLI and web render them. */
export type Operation =
  | 'connect' | 'stub' | 'baud' | 'compare' | 'erase' | 'write' | 'verify' | 'read' | 'backup' | 'reset';

export interface RegionRef {
  address: number;
  size: number;
  name?: string;
}

export type AnyflashEvent =
  | { type: 'note'; level: 'info' | 'warn'; message: string; code?: string }
  | { type: 'connect-attempt'; attempt: number; strategy: string }
  | { type: 'boot-log'; text: string }
  | { type: 'connected'; family: string; chip: string; strategy: string; baud: number }
  | { type: 'plan'; regions: RegionRef[] }
  | { type: 'start'; op: Operation; region?: RegionRef; total: number }
  | { type: 'progress'; op: Operation; region?: RegionRef; done: number; total: number; bytesOnWire?: number }
  | { type: 'skip'; op: Operation; region: RegionRef; reason: string }
  | { type: 'retry'; op: Operation; attempt: number; cause: string; address?: number }
  | { type: 'recover'; what: string; detail: string }
  | { type: 'finish'; op: Operation; region?: RegionRef; seconds: number; bytes?: number }
  | { type: 'wait-for-user'; message: string };

export type EventSink = (event: AnyflashEvent) => void;

export const noEvents: EventSink = () => {};
