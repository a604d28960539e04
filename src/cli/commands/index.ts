import type { Command } from 'commander';
import { register as demo } from './demo.js';
import { register as doctor } from './doctor.js';
import { register as erase } from './erase.js';
import { register as explain } from './explain.js';
import { register as image } from './image.js';
import { register as info } from './info.js';
import { register as list } from './list.js';
import { register as monitor } from './monitor.js';
import { register as partitions } from './partitions.js';
import { register as read } from './read.js';
import { register as reset } from './reset.js';
import { register as sim } from './sim.js';
import { register as ui } from './ui.js';
import { register as verify } from './verify.js';
import { register as write } from './write.js';
import { register as station } from './station.js';
import { register as status } from './status.js';
import { register as backups } from './backups.js';
import { register as restore } from './restore.js';
import { register as config } from './config.js';
import { register as completions } from './completions.js';
import { installConfigHook } from '../config/effective.js';

/** Every subcommand registers itself here; one line per command file. */
export function registerCommands(program: Command): void {
  write(program);
  station(program);
  read(program);
  erase(program);
  verify(program);
  info(program);
  image(program);
  partitions(program);
  reset(program);
  monitor(program);
  sim(program);
  list(program);
  doctor(program);
  demo(program);
  explain(program);
  ui(program);
  status(program);
  backups(program);
  restore(program);
  config(program);
  completions(program);
  // anyflash.toml fills the port, baud, chip and reset options the command line leaves open.
  installConfigHook(program);
}
