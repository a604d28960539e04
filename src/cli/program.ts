import { Command } from 'commander';
import { registerCommands } from './commands/index.js';
import { VERSION } from './version.js';

export function buildProgram(): Command {
  const program = new Command('anyflash')
    .description('Flash ESP32/ESP8266, Beken BK72xx and SiFli SF32 chips over a serial line.')
    .version(VERSION)
    .showHelpAfterError(false)
    // Parse errors are printed by runMain in the house format (code, what happened, what to do).
    .configureOutput({ outputError: () => {} })
    .exitOverride();
  registerCommands(program);
  program.addHelpText(
    'after',
    '\nAlso runs esptool, espflash, bk7231tools, ltchiptool and sftool command lines as typed (e.g. anyflash --chip esp32 -p PORT write_flash 0x1000 boot.bin);\nanyflash-esptool takes exactly esptool\'s command line and exit codes. See the README, "Command lines of other tools".',
  );
  return program;
}
