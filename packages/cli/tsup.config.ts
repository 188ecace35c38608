import { defineConfig } from 'tsup'

// One executable, dist/tx402.js, with a chunk per command so that each loads only what it uses
// (dependencies are bundled, so they are devDependencies; PGlite alone is installed with it).
// The workspace's packages ship TypeScript sources, so they are bundled in, and so is every
// dependency (one file loads in a fraction of the time of viem's or web3.js's hundreds), except
// PGlite, which finds its WASM next to its own files, pg's optional native binding, and
// bigint-buffer (via web3.js and spl-token), whose native binding is found relative to its own
// files (`bindings` reads __filename, which an ESM bundle does not have).
export default defineConfig({
  entry: { tx402: 'src/bin.ts' },
  format: 'esm',
  platform: 'node',
  target: 'node20',
  noExternal: [/^(?!@electric-sql\/pglite|pg-native|bigint-buffer)/],
  external: ['@electric-sql/pglite', 'pg-native', 'bigint-buffer'],
  // Bundled CommonJS dependencies (pg, ioredis, web3.js) call require() for Node's own modules.
  banner: {
    js: "#!/usr/bin/env node\nimport { createRequire as __tx402Require } from 'node:module'\nconst require = __tx402Require(import.meta.url)",
  },
  clean: true,
  sourcemap: false,
})
