import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AnyflashError } from '../../src/core/errors.js';
import { enrichOpenError } from '../../src/diagnose/port-open.js';
import { isAnyflashError } from '../../src/core/errors.js';
import { openTransport } from '../../src/transport/open.js';
import { FakeTree } from './fake-sysfs.js';

/** Starts socat with a pty pair; resolves with the child and the two pty paths it holds open. */
function startSocat(): Promise<{ child: ChildProcess; ptys: string[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn('socat', ['-d', '-d', 'pty,raw,echo=0', 'pty,raw,echo=0'], { stdio: ['ignore', 'ignore', 'pipe'] });
    const ptys: string[] = [];
    const timer = setTimeout(() => reject(new Error('socat did not report its ptys')), 5000);
    child.on('error', reject);
    child.stderr!.on('data', (d: Buffer) => {
      for (const m of d.toString().matchAll(/PTY is (\S+)/g)) ptys.push(m[1]!);
      if (ptys.length === 2) {
        clearTimeout(timer);
        resolve({ child, ptys });
      }
    });
  });
}

test('busy: names the process that holds a real pty open', async (t) => {
  const { child, ptys } = await startSocat();
  t.after(() => child.kill());
  const error = new AnyflashError('port-busy', 'Port busy.', { cause: new Error('EBUSY: resource busy or locked') });
  const enriched = enrichOpenError(error, ptys[0]!);
  assert.equal(enriched.code, 'port-busy');
  assert.match(enriched.message, new RegExp(`held open by socat \\(pid ${child.pid}\\)`));
  assert.match(enriched.advice[0]!, /Close socat .*serial monitor in your IDE/);
  assert.equal(enriched.advice[1], `Or end it: kill ${child.pid}`);
  assert.ok(enriched.evidence.some((e) => e.includes(`pid ${child.pid} (socat)`) && e.includes('pty,raw')));
});

test('busy for real: a process locks a pty, our open fails, and the locker is named', async (t) => {
  const { child, ptys } = await startSocat();
  t.after(() => child.kill());
  const pty = ptys[0]!;
  // flock(1) holds an exclusive lock as serial monitors do; its own group so we can end it and its sleep.
  const holder = spawn('flock', ['-n', pty, 'sleep', '30'], { stdio: 'ignore', detached: true });
  t.after(() => process.kill(-holder.pid!));
  await new Promise((r) => setTimeout(r, 300));
  const opened = await openTransport(pty).then(
    async (tr) => {
      await tr.close();
      return undefined;
    },
    (e: unknown) => e,
  );
  assert.ok(isAnyflashError(opened, 'port-busy'), `open should fail with port-busy, got ${String(opened)}`);
  const enriched = enrichOpenError(opened, pty);
  assert.equal(enriched.message, `${pty} is locked by flock (pid ${holder.pid}).`);
  assert.equal(enriched.advice[1], `Or end it: kill ${holder.pid}`);
  assert.ok(enriched.evidence.some((e) => e.includes(`pid ${holder.pid} (flock) has ${pty} open and locked`)));
  assert.ok(enriched.evidence.some((e) => e.includes(`(socat) has ${pty} open`)), 'other openers are listed as evidence');
});

test('busy with no visible holder: the usual culprits and how to find it', () => {
  const tree = new FakeTree();
  const e = enrichOpenError(new AnyflashError('port-busy', 'busy'), '/dev/ttyACM3', { roots: tree.roots, platform: 'linux' });
  assert.ok(e.advice.some((a) => /serial monitors/.test(a)));
  assert.ok(e.advice.some((a) => a.includes('fuser -v /dev/ttyACM3')));
  assert.ok(e.advice.some((a) => a.includes('ModemManager')));
});

test('permission: a real device node of group dialout gives the usermod command', async (t) => {
  const { child, ptys } = await startSocat();
  t.after(() => child.kill());
  const pty = ptys[0]!;
  chownSync(pty, 0, 20); // group dialout (gid 20 on Debian)
  chmodSync(pty, 0o660);
  const error = new AnyflashError('port-permission', 'denied', { cause: new Error('EACCES: permission denied') });
  const e = enrichOpenError(error, pty, { groups: [100], user: 'alice', platform: 'linux' });
  assert.equal(e.code, 'port-permission');
  assert.ok(e.advice.includes('Join the "dialout" group: sudo usermod -aG dialout alice — then log out and back in.'), e.advice.join('\n'));
  assert.ok(e.advice.some((a) => a.includes('udev') && a.includes('TAG+="uaccess"')));
  assert.ok(e.evidence.some((x) => x.includes('mode 660') && x.includes('group dialout')));
});

const asRoot = process.getuid?.() === 0;

test('permission for real: an unprivileged user opening a dialout pty is told to join dialout', { skip: !asRoot && 'needs root to drop to another user' }, async (t) => {
  const source = fileURLToPath(new URL('../../src/transport/open.ts', import.meta.url));
  const readable = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'test', '-r', source]).status === 0;
  if (!readable) return t.skip('the checkout is not readable by the unprivileged user (e.g. a 0700 temp dir)');
  const { child, ptys } = await startSocat();
  t.after(() => child.kill());
  const pty = ptys[0]!;
  chownSync(pty, 0, 20);
  chmodSync(pty, 0o660);
  const script = join(mkdtempSync(join(tmpdir(), 'anyflash-perm-')), 'open.mjs');
  writeFileSync(
    script,
    `const { openTransport } = await import(${JSON.stringify(new URL('../../src/transport/open.ts', import.meta.url).href)});
const { enrichOpenError } = await import(${JSON.stringify(new URL('../../src/diagnose/port-open.ts', import.meta.url).href)});
try { await (await openTransport(process.argv[2])).close(); console.log('{"opened":true}'); }
catch (e) { const x = enrichOpenError(e, process.argv[2]); console.log(JSON.stringify({ code: x.code, advice: x.advice })); }
`,
  );
  chmodSync(join(script, '..'), 0o755);
  chmodSync(script, 0o644);
  const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, '--import', 'tsx', script, pty], {
    encoding: 'utf8',
    env: { ...process.env, USER: 'nobody', HOME: tmpdir() },
    timeout: 30_000,
  });
  const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { code: string; advice: string[] };
  assert.equal(out.code, 'port-permission');
  assert.equal(out.advice[0], 'Join the "dialout" group: sudo usermod -aG dialout nobody — then log out and back in.');
});

test('permission: a root-only node gets a udev rule with the adapter VID:PID', () => {
  const tree = new FakeTree().addUsb({ tty: 'ttyUSB0', location: '1-1', vid: '10c4', pid: 'ea60', iface: 0, driver: 'cp210x' });
  const path = join(tree.dev, 'ttyUSB0');
  chmodSync(path, 0o600);
  const e = enrichOpenError(new AnyflashError('port-permission', 'denied'), path, { roots: tree.roots, platform: 'linux', groups: [], user: 'bob' });
  assert.ok(!e.advice.some((a) => a.includes('usermod')), 'joining a group does not help a 0600 root node');
  assert.match(e.advice.at(-1)!, /ATTRS\{idVendor\}=="10c4", ATTRS\{idProduct\}=="ea60"/);
});

test('missing: lists the ports present and points at the newest', async () => {
  const tree = new FakeTree().addUsb({ tty: 'ttyUSB0', location: '1-1', vid: '10c4', pid: 'ea60', iface: 0, driver: 'cp210x' });
  await new Promise((r) => setTimeout(r, 20));
  tree.addUsb({ tty: 'ttyACM0', location: '1-4', vid: '303a', pid: '1001', iface: 0, driver: 'cdc_acm', acm: true });
  const e = enrichOpenError(new AnyflashError('port-not-found', 'nope'), '/dev/ttyUSB5', { roots: tree.roots, platform: 'linux' });
  assert.equal(e.message, '/dev/ttyUSB5 does not exist.');
  assert.match(e.advice[0]!, new RegExp(`--port ${join(tree.dev, 'ttyACM0')}$`));
  assert.match(e.advice[0]!, /USB-Serial\/JTAG/);
  assert.match(e.advice[1]!, /ttyUSB0 \(CP210x\)/);
});

test('missing with no ports at all: cable and driver advice', () => {
  const tree = new FakeTree();
  const e = enrichOpenError(new AnyflashError('port-not-found', 'nope'), '/dev/ttyUSB0', { roots: tree.roots, platform: 'linux' });
  assert.match(e.advice[0]!, /No USB serial port is present/);
  assert.ok(e.advice.some((a) => /data cable/.test(a)));
});

test('missing with only an on-board UART: it is mentioned, not suggested', () => {
  const tree = new FakeTree().addUart('ttyS0', 4);
  const e = enrichOpenError(new AnyflashError('port-not-found', 'nope'), '/dev/ttyUSB0', { roots: tree.roots, platform: 'linux' });
  assert.match(e.advice[0]!, new RegExp(`No USB serial port is present \\(only on-board UARTs: ${join(tree.dev, 'ttyS0')}\\)`));
  assert.ok(!e.advice.some((a) => a.includes('--port')), e.advice.join('\n'));
});

test('not a tty: says what the path is', () => {
  const dir = mkdtempSync(join(tmpdir(), 'anyflash-nottty-'));
  const file = join(dir, 'firmware.bin');
  writeFileSync(file, 'x');
  const e = enrichOpenError(new AnyflashError('port-not-tty', 'bad'), file);
  assert.equal(e.message, `${file} is a regular file, not a serial port.`);
  assert.match(e.advice[0]!, /\/dev\/ttyUSB0/);
  const dev = enrichOpenError(new AnyflashError('port-not-tty', 'bad'), '/dev/null');
  assert.match(dev.message, /character device that is not a terminal/);
});

test('network and sim URLs are left alone', () => {
  const e = new AnyflashError('port-busy', 'busy');
  assert.equal(enrichOpenError(e, 'tcp://127.0.0.1:5555'), e);
  assert.equal(enrichOpenError(e, 'sim:esp32'), e);
});
