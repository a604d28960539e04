/** anyflash's version, as package.json has it (test/cli/package.test.ts keeps the two equal). */
export const VERSION = '0.1.0';
