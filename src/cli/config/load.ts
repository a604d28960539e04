import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { AnyflashError } from '../../core/errors.js';
import { findProjectConfig, userConfigPath } from './files.js';
import { parseConfig, type ConfigFile, type Profile } from './parse.js';

export interface LoadedConfig {
  /** The folder the project file was searched from (upward). */
  cwd: string;
  project?: ConfigFile;
  /** Where the user file is or would be. */
  userPath: string;
  user?: ConfigFile;
}

/** Reads and checks the project and user files (both, so a broken one is reported whichever is used). */
export function loadConfigs(cwd = process.cwd(), env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  const projectPath = findProjectConfig(cwd);
  const userPath = resolve(userConfigPath(env));
  return {
    cwd: resolve(cwd),
    project: projectPath === undefined ? undefined : read(projectPath, 'project'),
    userPath,
    // Working inside the user's config folder makes its file the project file too: read it once.
    user: existsSync(userPath) && userPath !== projectPath ? read(userPath, 'user') : undefined,
  };
}

function read(path: string, scope: ConfigFile['scope']): ConfigFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new AnyflashError('file-unreadable', `${path} cannot be read (${code ?? String(e)}).`, {
      file: path,
      cause: e,
      advice: [code === 'EACCES' ? `Check the permissions of ${path}.` : `Check ${path}, or remove it.`],
    });
  }
  return parseConfig(text, path, scope);
}

/** A profile by name: the project file's first, then the user file's. */
export function findProfile(config: LoadedConfig, name: string): Profile {
  const profile = config.project?.profiles.get(name) ?? config.user?.profiles.get(name);
  if (profile) return profile;
  const known = [...new Set([...(config.project?.profiles.keys() ?? []), ...(config.user?.profiles.keys() ?? [])])];
  const files = [config.project?.path, config.user?.path ?? config.userPath].filter(Boolean).join(' or ');
  throw new AnyflashError('bad-input', `No profile named "${name}"${known.length ? ` (profiles: ${known.join(', ')})` : ''}.`, {
    advice: [
      known.length
        ? `Use one of: ${known.join(', ')}; \`anyflash config\` lists them with their files.`
        : `Add a [profile.${name}] section with files = { 0x10000 = "build/app.bin" } to ${files || 'anyflash.toml'}.`,
    ],
  });
}
