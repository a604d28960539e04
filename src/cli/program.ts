import { Command } from 'commander';
import { registerCommands } from './commands/index.js';

export function buildProgram(): Command {
  const program = new Command('anyflash')
    .description('Flash ESP32/ESP8266, Beken BK72xx and SiFli SF32 chips over a serial line.')
    .version('0.1.0')
    .showHelpAfterError(false)
    // Parse errors are printed by runMain in the house format (code, what happened, what to do).
    .configureOutput({ outputError: () => {} })
    .exitOverride();
  registerCommands(program);
  return program;
}
