import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli, serveTestSim, type ServedSim } from './harness.js';

/** A project folder holding anyflash.toml, a subfolder to run in, and a separate user config home. */
function layout(project: string, user?: string): { root: string; cwd: string; home: string; projectFile: string; userFile: string } {
  const root = mkdtempSync(join(tmpdir(), 'anyflash-config-'));
  const cwd = join(root, 'proj', 'src', 'deep');
  const home = join(root, 'home');
  mkdirSync(cwd, { recursive: true });
  mkdirSync(home);
  const projectFile = join(root, 'proj', 'anyflash.toml');
  const userFile = join(home, 'anyflash.toml');
  writeFileSync(projectFile, project);
  if (user !== undefined) writeFileSync(userFile, user);
  return { root, cwd, home, projectFile, userFile };
}

interface SettingJson {
  value: string | null;
  source: string;
  from: string;
  file?: string;
  line?: number;
}

describe('anyflash config: precedence and provenance', () => {
  const project = ['# project settings', 'port = "sim:esp32"', 'baud = 460800', '', '[profile.app]', 'files = { 0x10000 = "build/app.bin" }', ''].join('\n');
  const user = ['chip = "esp32"', 'baud = 115200', 'after = "no_reset"', 'port = "/dev/ttyUSB9"', '', '[profile.app]', 'files = ["user.bin@0x20000"]', '[profile.other]', 'files = ["0x1000", "boot.bin"]'].join('\n');

  it('takes the project file over the user file, and names file and line of each value', async () => {
    const t = layout(project, user);
    const r = await runCli(['config', '--json'], { cwd: t.cwd, env: { ANYFLASH_HOME: t.home } });
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as { settings: Record<string, SettingJson>; profiles: Array<{ name: string; files: Array<{ address?: string; file: string }>; from: string }>; files: Record<string, unknown> };
    assert.deepEqual(doc.settings.port, { value: 'sim:esp32', source: 'project', from: `${t.projectFile}:2`, file: t.projectFile, line: 2 });
    assert.deepEqual(doc.settings.baud, { value: '460800', source: 'project', from: `${t.projectFile}:3`, file: t.projectFile, line: 3 });
    assert.deepEqual(doc.settings.chip, { value: 'esp32', source: 'user', from: `${t.userFile}:1`, file: t.userFile, line: 1 });
    // esptool.cfg spells reset modes with underscores; the option's dashed name is what is used.
    assert.equal(doc.settings.after!.value, 'no-reset');
    assert.equal(doc.settings.after!.from, `${t.userFile}:3`);
    assert.deepEqual(doc.settings.before, { value: null, source: 'default', from: 'default' });
    assert.deepEqual(doc.files, { cwd: t.cwd, project: t.projectFile, user: t.userFile, userExists: true });
    // The project's profile of the same name hides the user's; its files are taken from its folder.
    const app = doc.profiles.find((p) => p.name === 'app')!;
    assert.deepEqual(app.files, [{ address: '0x10000', file: join(t.root, 'proj', 'build', 'app.bin') }]);
    assert.equal(app.from, `${t.projectFile}:5`);
    assert.deepEqual(doc.profiles.find((p) => p.name === 'other')!.files, [{ address: '0x1000', file: join(t.home, 'boot.bin') }]);
  });

  it('takes the environment over the files, and the command line over the environment', async () => {
    const t = layout(project, user);
    const r = await runCli(['config', '--json', '--chip', 'esp32s3'], {
      cwd: t.cwd,
      env: { ANYFLASH_HOME: t.home, ANYFLASH_BAUD: '921600', ANYFLASH_CHIP: 'esp32c3' },
    });
    assert.equal(r.code, 0, r.stderr);
    const { settings } = JSON.parse(r.stdout) as { settings: Record<string, SettingJson> };
    assert.deepEqual(settings.baud, { value: '921600', source: 'env', from: 'env ANYFLASH_BAUD' });
    assert.deepEqual(settings.chip, { value: 'esp32s3', source: 'command line', from: 'command line' });
    assert.equal(settings.port!.source, 'project');
  });

  it('finds the user file under XDG_CONFIG_HOME when ANYFLASH_HOME is not set, and says so in the table', async () => {
    const t = layout('baud = 230400\n');
    const xdg = join(t.root, 'xdg');
    mkdirSync(join(xdg, 'anyflash'), { recursive: true });
    const userFile = join(xdg, 'anyflash', 'anyflash.toml');
    writeFileSync(userFile, 'chip = "bk7231n"\n');
    const r = await runCli(['config'], { cwd: t.cwd, env: { ANYFLASH_HOME: '', XDG_CONFIG_HOME: xdg } });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^chip +bk7231n +${escape(userFile)}:1$`, 'm'));
    assert.match(r.stdout, new RegExp(`^baud +230400 +${escape(t.projectFile)}:1$`, 'm'));
    assert.match(r.stdout, /^Profiles|^No flash profiles\./m);
  });
});

describe('device commands take port, chip and baud from anyflash.toml', () => {
  it('info runs against the configured in-process simulator at the configured baud', async () => {
    const t = layout('port = "sim:esp32s3"\nchip = "esp32s3"\nbaud = 230400\n');
    const r = await runCli(['info', '--json'], { cwd: t.cwd, env: { ANYFLASH_HOME: t.home } });
    assert.equal(r.code, 0, r.stderr);
    const info = JSON.parse(r.stdout) as { chip: string; baud: number };
    assert.equal(info.chip, 'esp32s3');
    assert.equal(info.baud, 230400);
  });

  it('a board chosen by [usb] that is not plugged in is a no-port error naming the file', async () => {
    const t = layout('[usb]\nvid = "dead"\npid = "beef"\n');
    const r = await runCli(['info', '--json'], { cwd: t.cwd, env: { ANYFLASH_HOME: t.home } });
    assert.equal(r.code, 1, r.stderr);
    const { error } = JSON.parse(r.stdout) as { error: { code: string; summary: string } };
    assert.equal(error.code, 'no-port');
    assert.equal(error.summary, `No serial port is USB dead:beef ([usb] at ${t.projectFile}:1).`);
  });

  it('--port on the command line wins over the file', async () => {
    const t = layout('port = "/dev/does-not-exist-anyflash"\nchip = "esp32"\n');
    const r = await runCli(['info', '--json', '--port', 'sim:esp32'], { cwd: t.cwd, env: { ANYFLASH_HOME: t.home } });
    assert.equal(r.code, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as { chip: string }).chip, 'esp32');
  });
});

describe('flash-profile writes the files of a profile', () => {
  let sim: ServedSim;
  before(async () => {
    sim = await serveTestSim({ chip: 'esp32', flashSize: 0x400000 });
  });
  after(async () => {
    await sim.server.close();
  });

  it('puts each file at its address and verifies it', async () => {
    const boot = pattern(0x2000, 1);
    const app = pattern(0x9000, 2);
    const t = layout(
      [`port = "${sim.tcpUrl}"`, 'chip = "esp32"', '', '[profile.full]', 'description = "bootloader and app"', 'files = ["0x1000", "out/boot.bin", "out/app.bin@0x20000"]', ''].join('\n'),
    );
    mkdirSync(join(t.root, 'proj', 'out'));
    writeFileSync(join(t.root, 'proj', 'out', 'boot.bin'), boot);
    writeFileSync(join(t.root, 'proj', 'out', 'app.bin'), app);
    const r = await runCli(['flash-profile', 'full', '--json'], { cwd: t.cwd, env: { ANYFLASH_HOME: t.home } });
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as { regions: Array<{ address: number; size: number; verified: boolean }> };
    assert.deepEqual(
      doc.regions.map((x) => [x.address, x.size, x.verified]).sort((a, b) => Number(a[0]) - Number(b[0])),
      [
        [0x1000, boot.length, true],
        [0x20000, app.length, true],
      ],
    );
    assert.deepEqual(sim.device.flash.data.subarray(0x1000, 0x1000 + boot.length), boot);
    assert.deepEqual(sim.device.flash.data.subarray(0x20000, 0x20000 + app.length), app);
  });

  it('names the known profiles when asked for another', async () => {
    const t = layout('[profile.app]\nfiles = { 0x10000 = "app.bin" }\n');
    const r = await runCli(['flash-profile', 'ap', '--port', 'sim:esp32'], { cwd: t.cwd, env: { ANYFLASH_HOME: t.home } });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /error \[bad-input\]: No profile named "ap" \(profiles: app\)/);
    assert.match(r.stderr, /what to do: Use one of: app/);
  });
});

describe('a bad config file stops the command before it touches a device', () => {
  it('reports broken TOML with file, line and what to do', async () => {
    const t = layout('port = "sim:esp32"\nbaud = \nchip = "esp32"\n');
    const r = await runCli(['info'], { cwd: t.cwd, env: { ANYFLASH_HOME: t.home } });
    assert.equal(r.code, 2);
    assert.match(r.stderr, new RegExp(`error \\[bad-input\\]: ${escape(t.projectFile)}:2:\\d+: not valid TOML`));
    assert.match(r.stderr, /what to do: Fix line 2 of /);
    assert.doesNotMatch(r.stderr, /Connected to/);
  });

  it('reports a wrong value in a section at its own line, also as JSON', async () => {
    const t = layout('port = "sim:esp32"\n\n[usb]\nvid = "303a"\n', '# user\n\n[profile.app]\nfiles = { 0x10000 = "a.bin" }\nflash_mode = 4\n');
    const r = await runCli(['write', 'x.bin', '--json'], { cwd: t.cwd, env: { ANYFLASH_HOME: t.home } });
    assert.equal(r.code, 2);
    const { error } = JSON.parse(r.stdout) as { error: { code: string; summary: string; advice: string[]; file: string } };
    assert.equal(error.code, 'bad-input');
    // The project file is checked first: it says [usb] and port both pick the port.
    assert.equal(error.summary, `${t.projectFile}:3: both port and [usb] choose the port.`);
    assert.match(error.advice[0]!, /Keep one: port \(line 1\)/);

    writeFileSync(t.projectFile, 'baud = "fast"\n');
    const bad = await runCli(['config'], { cwd: t.cwd, env: { ANYFLASH_HOME: t.home } });
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, new RegExp(`${escape(t.projectFile)}:1: baud must be a positive whole number, not "fast"`));

    writeFileSync(t.projectFile, '');
    const user = await runCli(['config'], { cwd: t.cwd, env: { ANYFLASH_HOME: t.home } });
    assert.equal(user.code, 2, user.stderr);
    assert.match(user.stderr, new RegExp(`${escape(t.userFile)}:5: flash_mode must be a string, not 4`));
  });

  it('refuses an --after value the command does not know, naming the choices', async () => {
    const t = layout('after = "hard-resett"\n');
    const r = await runCli(['info', '--port', 'sim:esp32'], { cwd: t.cwd, env: { ANYFLASH_HOME: t.home } });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /anyflash\.toml:1: after "hard-resett" is not one of hard-reset, soft-reset/);
  });

  it('leaves commands without device options alone', async () => {
    const t = layout('this is not toml\n');
    const r = await runCli(['completions', 'bash'], { cwd: t.cwd, env: { ANYFLASH_HOME: t.home } });
    assert.equal(r.code, 0, r.stderr);
  });
});

function pattern(size: number, seed: number): Uint8Array {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = (i * 13 + seed * 101 + (i >> 8)) & 0xff;
  return out;
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
