/** ESP-IDF log lines (`I (123) tag: text`, optionally already ANSI-coloured by the firmware). */
export type IdfLevel = 'E' | 'W' | 'I' | 'D' | 'V';

export interface IdfLogLine {
  level: IdfLevel;
  /** Milliseconds since boot, or the wall-clock text when the firmware logs system time. */
  time: string;
  tag: string;
  message: string;
}

const LINE = /^(?:\x1b\[[0-9;]*m)?([EWIDV]) \(([0-9:.]+)\) ([^:]+): (.*?)(?:\x1b\[0m)?$/;
const ORDER: Record<IdfLevel, number> = { E: 1, W: 2, I: 3, D: 4, V: 5 };

export function parseIdfLog(line: string): IdfLogLine | undefined {
  const m = LINE.exec(line);
  return m ? { level: m[1] as IdfLevel, time: m[2]!, tag: m[3]!, message: m[4]! } : undefined;
}

/** True when a line at `level` passes a `--log-level` filter (lines that are not IDF logs always pass). */
export function passesLevel(level: IdfLevel | undefined, max: IdfLevel): boolean {
  return level === undefined || ORDER[level] <= ORDER[max];
}

/** ESP-IDF's own colours (E red, W yellow, I green; D and V plain), added only when the line has none. */
export function colourIdfLine(line: string, level: IdfLevel): string {
  if (line.includes('\x1b[')) return line;
  const code = level === 'E' ? '31' : level === 'W' ? '33' : level === 'I' ? '32' : undefined;
  return code ? `\x1b[0;${code}m${line}\x1b[0m` : line;
}
