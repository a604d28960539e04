import { Argument, type Command } from 'commander';
import { bashScript } from '../completions/bash.js';
import { fishScript } from '../completions/fish.js';
import { powershellScript } from '../completions/powershell.js';
import { completionTree, type CompletionCommand } from '../completions/tree.js';
import { zshScript } from '../completions/zsh.js';

const SHELLS: Record<string, (root: CompletionCommand, name: string) => string> = {
  bash: bashScript,
  zsh: zshScript,
  fish: fishScript,
  powershell: powershellScript,
};

const INSTALL = `
Install (then open a new shell):
  bash:       anyflash completions bash > ~/.local/share/bash-completion/completions/anyflash
              (or add to ~/.bashrc: source <(anyflash completions bash))
  zsh:        anyflash completions zsh > "\${fpath[1]}/_anyflash"
              (or add to ~/.zshrc after compinit: source <(anyflash completions zsh))
  fish:       anyflash completions fish > ~/.config/fish/completions/anyflash.fish
  PowerShell: anyflash completions powershell >> $PROFILE

The script is made from this anyflash's commands and options: generate it again after an upgrade.`;

export function register(program: Command): void {
  program
    .command('completions')
    .description('print a shell completion script (bash, zsh, fish, powershell): commands, options and their values')
    .addArgument(new Argument('<shell>', 'the shell to complete for').choices(Object.keys(SHELLS)))
    .addHelpText('after', INSTALL)
    .action((shell: string) => {
      process.stdout.write(SHELLS[shell]!(completionTree(program), program.name()));
      process.exitCode = 0;
    });
}
