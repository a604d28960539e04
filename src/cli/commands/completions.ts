import { Argument, type Command } from 'commander';
import type { CompletionCommand } from '../completions/tree.js';

// The generators (and the chip and family lists they read) load only when a script is printed.
const SHELLS: Record<string, () => Promise<(root: CompletionCommand, name: string) => string>> = {
  bash: async () => (await import('../completions/bash.js')).bashScript,
  zsh: async () => (await import('../completions/zsh.js')).zshScript,
  fish: async () => (await import('../completions/fish.js')).fishScript,
  powershell: async () => (await import('../completions/powershell.js')).powershellScript,
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
    .action(async (shell: string) => {
      const [script, { completionTree }] = await Promise.all([SHELLS[shell]!(), import('../completions/tree.js')]);
      process.stdout.write(script(completionTree(program), program.name()));
      process.exitCode = 0;
    });
}
