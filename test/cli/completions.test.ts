import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { runCli } from './harness.js';

const SHELLS = ['bash', 'zsh', 'fish', 'powershell'] as const;
const scripts: Record<string, string> = {};

const has = (shell: string): boolean => spawnSync(shell, ['-c', 'exit 0']).status === 0;

describe('anyflash completions', () => {
  let commands: string[];

  before(async () => {
    for (const shell of SHELLS) {
      const r = await runCli(['completions', shell]);
      assert.equal(r.code, 0, r.stderr);
      scripts[shell] = r.stdout;
    }
    // The command list as `--help` shows it: the scripts must offer every one.
    const help = await runCli(['--help']);
    commands = [...help.stdout.matchAll(/^ {2}([a-z][a-z0-9-]*)(?:\|[a-z0-9_|-]+)?\b/gm)].map((m) => m[1]!).filter((c) => c !== 'help');
    assert.ok(commands.includes('write') && commands.includes('config') && commands.length > 15, help.stdout);
  });

  for (const shell of SHELLS) {
    it(`${shell}: names every command, the aliases, options and choices`, () => {
      const s = scripts[shell]!;
      for (const c of commands) assert.ok(s.includes(c), `${shell} script lacks ${c}`);
      for (const word of ['write_flash', 'flash-profile', '--port', '--after', 'no-reset-stub', '--flash-mode', 'sim:esp32', 'esp32s3', '921600']) {
        assert.ok(s.includes(word), `${shell} script lacks ${word}`);
      }
    });
  }

  it('tells how to install each script in --help', async () => {
    const r = await runCli(['completions', '--help']);
    assert.equal(r.code, 0);
    for (const line of [/bash: +anyflash completions bash > /, /zsh: +anyflash completions zsh > /, /fish: +anyflash completions fish > /, /PowerShell: anyflash completions powershell >> \$PROFILE/]) {
      assert.match(r.stdout, line);
    }
  });

  it('refuses an unknown shell with the list of shells', async () => {
    const r = await runCli(['completions', 'tcsh']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /bash, zsh, fish, powershell/);
  });

  describe('bash completes', () => {
    let file: string;
    let dir: string;
    before(() => {
      dir = mkdtempSync(join(tmpdir(), 'anyflash-comp-'));
      file = join(dir, 'anyflash.bash');
      writeFileSync(file, scripts.bash!);
      writeFileSync(join(dir, 'app.bin'), 'x');
      writeFileSync(join(dir, 'app.elf'), 'x');
    });

    /** Runs the completion function as bash does on Tab, with the words typed so far (the last is the cursor's). */
    function complete(...words: string[]): string[] {
      const r = spawnSync('bash', ['-c', 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 )); _anyflash; printf "%s\\n" "${COMPREPLY[@]}"', '_', file, 'anyflash', ...words], {
        cwd: dir,
        encoding: 'utf8',
      });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stderr, '');
      return r.stdout.split('\n').filter(Boolean).sort();
    }

    it('command names, aliases included', () => {
      assert.deepEqual(complete('wri'), ['write', 'write-flash', 'write_flash']);
      assert.deepEqual(complete('flash-p'), ['flash-profile', 'flash-project']);
    });

    it("a command's options", () => {
      assert.deepEqual(complete('write', '--fl'), ['--flash-freq', '--flash-mode', '--flash-size']);
      assert.ok(complete('read', '-').includes('--port'));
    });

    it('choices, chips and baud rates of an option, after the other options', () => {
      assert.deepEqual(complete('write', '-p', '/dev/ttyUSB0', '--after', 'no-'), ['no-reset', 'no-reset-stub']);
      assert.deepEqual(complete('write', '--chip', 'esp32s'), ['esp32s2', 'esp32s3', 'esp32s31']);
      assert.deepEqual(complete('info', '-b', '92'), ['921600']);
      assert.deepEqual(complete('completions', ''), ['bash', 'fish', 'powershell', 'zsh']);
    });

    it('sim: ports, the colon splitting the word as bash does', () => {
      assert.ok(complete('info', '--port', 'sim').includes('sim:esp32'));
      assert.ok(complete('info', '--port', 'sim', ':', 'esp32c').includes('esp32c3'));
    });

    it('subcommands of a command, and files where a command takes files', () => {
      assert.ok(complete('image', '').includes('info'));
      assert.deepEqual(complete('write', '0x10000', 'app.'), ['app.bin', 'app.elf']);
      assert.deepEqual(complete('write', '--port', 'sim:esp32', 'app.e'), ['app.elf']);
    });
  });

  for (const shell of ['zsh', 'fish'] as const) {
    it(`${shell}: the script parses (when ${shell} is installed)`, { skip: !has(shell) && `${shell} is not installed` }, () => {
      const dir = mkdtempSync(join(tmpdir(), 'anyflash-comp-'));
      const file = join(dir, `anyflash.${shell}`);
      writeFileSync(file, scripts[shell]!);
      const r = spawnSync(shell, ['-n', file], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
    });
  }
});
