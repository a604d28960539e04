import { spawn } from 'node:child_process';
import { networkInterfaces } from 'node:os';
import type { Command } from 'commander';
import { Option } from 'commander';
import { toAnyflashError } from '../../core/errors.js';
import { Output } from '../output.js';
import { parseHostPort } from './sim.js';

interface UiFlags {
  portFilter?: string[];
  listen: string;
  allowRemote?: boolean;
  open?: boolean;
  json?: boolean;
  hub?: string;
  record: string;
  station?: string;
}

/** Opens the page in the desktop's browser; failing to is not an error (the URL is printed). */
function openBrowser(url: string): void {
  const [cmd, args] =
    process.platform === 'darwin' ? ['open', [url]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '', url]] : ['xdg-open', [url]];
  const child = spawn(cmd as string, args as string[], { stdio: 'ignore', detached: true });
  child.on('error', () => {});
  child.unref();
}

/** A wildcard listen address is not one to type into a browser: name this machine's own addresses. */
function lanUrls(url: string): string[] {
  const u = new URL(url);
  if (u.hostname !== '0.0.0.0' && u.hostname !== '[::]') return [];
  return Object.values(networkInterfaces())
    .flat()
    .filter((i) => i && i.family === 'IPv4' && !i.internal)
    .map((i) => {
      u.hostname = i!.address;
      return u.toString();
    });
}

export function register(program: Command): void {
  program
    .command('ui')
    .description('serve the web flasher and a bridge to this machine\'s serial ports, RFC 2217 endpoints and simulators')
    .option('--port-filter <text...>', 'offer only serial ports whose path, by-id alias, bridge or board contains TEXT')
    .addOption(new Option('--listen <host:port>', 'address to serve on').default('127.0.0.1:8787'))
    .option('--allow-remote', 'allow a non-loopback --listen address (a random access token is then required)')
    .option('--open', 'open the page in the default browser')
    .option('--json', 'print the ready line as JSON')
    .option('--hub <sim-hub:…>', 'station view: a simulated hub to try it without hardware, e.g. sim-hub:esp32,bk7231n')
    .addOption(new Option('--record <file>', 'station view: append one line per device to FILE.jsonl and FILE.csv').default('anyflash-station'))
    .option('--station <name>', 'station view: the station name in the record (default: the host name)')
    .action(async (flags: UiFlags) => {
      const out = new Output({ json: flags.json });
      try {
        const { host, port } = parseHostPort(flags.listen, '--listen');
        // Loaded here so other commands do not pay for the HTTP/WebSocket server at startup.
        const { startUiServer } = await import('../../web-bridge/server.js');
        const server = await startUiServer({ host, port, allowRemote: flags.allowRemote, portFilter: flags.portFilter, hub: flags.hub, record: flags.record, station: flags.station });
        if (flags.json) process.stdout.write(JSON.stringify({ ready: true, url: server.url, token: server.token ?? null }) + '\n');
        else {
          process.stdout.write(`anyflash ui ready: ${server.url}\n`);
          for (const url of lanUrls(server.url)) process.stdout.write(`  also reachable at ${url}\n`);
          if (server.token) process.stdout.write('This address carries an access token: share it only with people allowed to flash from this machine.\n');
        }
        if (flags.open) openBrowser(server.url);
        const stop = (): void => {
          void server.close().finally(() => process.exit(0));
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      } catch (e) {
        process.exitCode = out.fail(toAnyflashError(e));
      }
    });
}
