import pc from 'picocolors';

export type Colors = ReturnType<typeof pc.createColors>;

/**
 * Colour only where a person reads the stream: a terminal, or when FORCE_COLOR asks for it.
 * picocolors on its own also colours whenever `CI` is set, which puts escape codes into piped
 * output and log files that other programs parse.
 */
export function colorsFor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): Colors {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return pc.createColors(false);
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '' && env.FORCE_COLOR !== '0') return pc.createColors(true);
  return pc.createColors(stream.isTTY === true);
}

/** For lines written to stdout (results). */
export const outColors = colorsFor(process.stdout);
/** For lines written to stderr (progress, warnings, errors). */
export const errColors = colorsFor(process.stderr);
