import { defineConfig, type Options } from 'tsup'

/**
 * The build of one published package: ESM (`.js`) and CommonJS (`.cjs`) with their declaration
 * files (`.d.ts`, `.d.cts`), as koa 3 and @koa/router ship. Dependencies and peers stay external;
 * each entry names a file under `src/` (e.g. `{ index: 'src/index.ts' }`).
 *
 * @example export default packageBuild({ index: 'src/index.ts', evm: 'src/evm/index.ts' })
 */
export function packageBuild(entry: Record<string, string>, overrides: Options = {}) {
  return defineConfig({
    entry,
    format: ['esm', 'cjs'],
    dts: { compilerOptions: { composite: false } },
    tsconfig: '../../tsconfig.build.json',
    target: 'node20',
    outDir: 'dist',
    clean: true,
    // ESM chunks shared between entries, so a bundler importing `/evm` never reaches `/solana`.
    splitting: true,
    // `import.meta.url` in the CommonJS build.
    shims: true,
    treeshake: true,
    ...overrides,
  })
}
