import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));

/**
 * The library loads a few Node-only modules lazily, behind a "running in Node?" check. In the page
 * those imports resolve to stand-ins: an empty module for `node:*`, and a SiFli stub locator that
 * asks the person for the file.
 */
function nodeOnly(): Plugin {
  const EMPTY = '\0anyflash-node-only';
  return {
    name: 'anyflash-node-only',
    enforce: 'pre',
    resolveId(id, importer) {
      if (id.startsWith('node:')) return EMPTY;
      if (id === './stub-locate.js' && importer?.replace(/\\/g, '/').endsWith('/families/sifli/index.ts')) {
        return fileURLToPath(new URL('./src/shims/stub-locate.ts', import.meta.url));
      }
      return null;
    },
    load(id) {
      return id === EMPTY ? 'export default {};' : null;
    },
  };
}

/** The page is self-contained: relative asset paths (any static host, or `anyflash ui`), no CDN. */
export default defineConfig({
  root: here,
  base: './',
  logLevel: 'warn',
  plugins: [nodeOnly()],
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 1500,
    rollupOptions: {
      // The install button is a script other sites include by a fixed name (install-button.js).
      input: { index: fileURLToPath(new URL('./index.html', import.meta.url)), station: fileURLToPath(new URL('./station.html', import.meta.url)), 'install-button': fileURLToPath(new URL('./src/install-button.ts', import.meta.url)) },
      output: { entryFileNames: (chunk) => (chunk.name === 'install-button' ? 'install-button.js' : 'assets/[name]-[hash].js') },
    },
  },
});
