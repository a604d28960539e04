import { existsSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

export const CONFIG_NAME = 'anyflash.toml';

/** The project file: `anyflash.toml` in the working directory or the nearest folder above it. */
export function findProjectConfig(cwd: string): string | undefined {
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    const candidate = join(dir, CONFIG_NAME);
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}

/**
 * The user file. With ANYFLASH_HOME set, everything of anyflash (backups, journals, this file)
 * lives under that one folder; otherwise the platform's config folder: $XDG_CONFIG_HOME or
 * ~/.config on Linux and macOS, %APPDATA% on Windows.
 */
export function userConfigPath(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform, home = homedir()): string {
  if (env.ANYFLASH_HOME) return join(env.ANYFLASH_HOME, CONFIG_NAME);
  const base = platform === 'win32' ? env.APPDATA || join(home, 'AppData', 'Roaming') : env.XDG_CONFIG_HOME || join(home, '.config');
  return join(base, 'anyflash', CONFIG_NAME);
}
