import { existsSync } from 'node:fs';
import type { Command, Option } from 'commander';
import { AnyflashError, toAnyflashError } from '../../core/errors.js';
import { Output } from '../output.js';
import type { LoadedConfig } from './load.js';
import { SETTING_KEYS, type SettingKey } from './keys.js';
import type { ConfigFile, UsbSelector } from './parse.js';

/** Where a value came from, highest precedence first: command line, environment, project file, user file, default. */
export type Source =
  | { kind: 'command line' }
  | { kind: 'env'; name: string }
  | { kind: 'project' | 'user'; file: string; line: number }
  | { kind: 'default' };

export interface Effective {
  key: SettingKey;
  option: Option;
  /** The value, or (for a port chosen by [usb]) undefined until the board is looked up. */
  value?: string;
  usb?: UsbSelector;
  source: Source;
}

/** The environment variable of each setting that has one; it marks the option a setting fills. */
const ENV: Partial<Record<SettingKey, string>> = { port: 'ANYFLASH_PORT', baud: 'ANYFLASH_BAUD', chip: 'ANYFLASH_CHIP' };

/**
 * The option of `cmd` a setting fills. Port, baud and chip are matched by their environment
 * variable, so `monitor --baud` (the console's rate, not the flashing rate) is left alone.
 */
export function optionFor(cmd: Command, key: SettingKey): Option | undefined {
  const env = ENV[key];
  return cmd.options.find((o) => (env ? o.envVar === env : o.attributeName() === key));
}

export function describeSource(s: Source): string {
  if (s.kind === 'env') return `env ${s.name}`;
  if (s.kind === 'project' || s.kind === 'user') return `${s.file}:${s.line}`;
  return s.kind;
}

function fromFile(file: ConfigFile | undefined, key: SettingKey): Omit<Effective, 'key' | 'option'> | undefined {
  if (!file) return undefined;
  const setting = file.settings[key];
  const origin = setting ?? (key === 'port' ? file.usb : undefined);
  if (!origin) return undefined;
  const source: Source = { kind: file.scope, file: origin.file, line: origin.line };
  return setting ? { value: setting.value, source } : { usb: file.usb!.value, source };
}

/** Each setting `cmd` has an option for, with its value and where that came from. */
export function effectiveSettings(cmd: Command, config: LoadedConfig): Effective[] {
  const out: Effective[] = [];
  for (const key of SETTING_KEYS) {
    const option = optionFor(cmd, key);
    if (!option) continue;
    const attr = option.attributeName();
    const given = cmd.getOptionValueSource(attr);
    const current = cmd.getOptionValue(attr) as unknown;
    const value = typeof current === 'string' ? current : undefined;
    if (given === 'cli' || given === 'implied') {
      out.push({ key, option, value, source: { kind: 'command line' } });
      continue;
    }
    if (given === 'env') {
      out.push({ key, option, value, source: { kind: 'env', name: option.envVar! } });
      continue;
    }
    const configured = fromFile(config.project, key) ?? fromFile(config.user, key);
    if (!configured) {
      out.push({ key, option, value, source: { kind: 'default' } });
      continue;
    }
    const choices = option.argChoices;
    if (configured.value !== undefined && choices && !choices.includes(configured.value)) {
      throw new AnyflashError('bad-input', `${describeSource(configured.source)}: ${key} "${configured.value}" is not one of ${choices.join(', ')}.`, {
        file: (configured.source as { file: string }).file,
        advice: [`Write ${key} = "${choices[0]}" (or ${choices.slice(1).join(', ')}).`],
      });
    }
    out.push({ key, option, ...configured });
  }
  return out;
}

/**
 * Fills the options the command line and environment left open from the config files; a port
 * chosen by [usb] is looked up among the connected ports now.
 */
export async function applyConfig(cmd: Command, config?: LoadedConfig): Promise<void> {
  if (!config) {
    // Without a config file there is nothing to fill: the TOML reader is not even loaded.
    const { findProjectConfig, userConfigPath } = await import('./files.js');
    if (findProjectConfig(process.cwd()) === undefined && !existsSync(userConfigPath())) return;
    config = (await import('./load.js')).loadConfigs();
  }
  const settings = effectiveSettings(cmd, config).filter((e) => e.source.kind === 'project' || e.source.kind === 'user');
  for (const e of settings) {
    let value = e.value;
    if (e.usb) {
      const [{ listPorts }, { describeUsb, pickUsbPort }] = await Promise.all([import('../../diagnose/ports.js'), import('./usb-match.js')]);
      const port = pickUsbPort(await listPorts(), e.usb, e.source as { file: string; line: number });
      new Output(cmd.opts()).events({ type: 'note', level: 'info', message: `Using ${port.path}: USB ${describeUsb(e.usb)} (${describeSource(e.source)}).` });
      value = port.path;
    }
    cmd.setOptionValueWithSource(e.option.attributeName(), value, 'config');
  }
}

/** Commands that read the config themselves (`anyflash config` shows it rather than applying it). */
export const readsConfigItself = new WeakSet<Command>();

/**
 * Before any command with a port, baud, chip or reset option runs, the config files fill what the
 * command line and environment left open. A bad file stops the command here, before any device I/O.
 */
export function installConfigHook(program: Command): void {
  program.hook('preAction', async (_program, action) => {
    if (readsConfigItself.has(action) || !SETTING_KEYS.some((k) => optionFor(action, k))) return;
    try {
      await applyConfig(action);
    } catch (e) {
      const code = new Output(action.opts()).fail(toAnyflashError(e));
      // Commander calls the action after this hook: for this run it only reports the failure.
      action.action(() => {
        process.exitCode = code;
      });
    }
  });
}
