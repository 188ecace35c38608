import assert from 'node:assert/strict'
import { builtinModules } from 'node:module'
import { fileURLToPath } from 'node:url'
import { build, type Plugin } from 'esbuild'

const packageDir = fileURLToPath(new URL('..', import.meta.url))

/** Bundles for browsers and records every import of a Node built-in name, with its importer. */
async function bundleForBrowser(entryPoints: string[], stdin?: string) {
  const builtins: { path: string; importer: string }[] = []
  const recordBuiltins: Plugin = {
    name: 'record-builtins',
    setup(build) {
      build.onResolve({ filter: /.*/ }, (args) => {
        const name = args.path.replace(/^node:/, '').split('/')[0]!
        if (args.path.startsWith('node:') || builtinModules.includes(name)) {
          builtins.push({ path: args.path, importer: args.importer })
        }
        return undefined
      })
    },
  }
  const result = await build({
    absWorkingDir: packageDir,
    ...(stdin
      ? { stdin: { contents: stdin, resolveDir: packageDir, loader: 'ts' } }
      : { entryPoints }),
    bundle: true,
    platform: 'browser',
    format: 'esm',
    write: false,
    outdir: 'out',
    logLevel: 'silent',
    metafile: true,
    plugins: [recordBuiltins],
  }).catch((error: { errors?: { text: string }[] }) => ({
    errors: error.errors ?? [{ text: String(error) }],
    outputFiles: [],
    metafile: undefined,
  }))
  return { ...result, builtins }
}

describe('browser bundle', () => {
  it('bundles every entry for browsers without Node built-ins', async () => {
    const { errors, outputFiles, builtins } = await bundleForBrowser([
      'src/index.ts',
      'src/evm/index.ts',
      'src/solana/index.ts',
      'src/axios/index.ts',
    ])
    assert.deepEqual(errors, [])
    assert.equal(outputFiles.length, 4)
    // Nothing of tx402's own code names a built-in; dependencies may only name `buffer`, which
    // resolves to the npm polyfill package, never to Node.
    const own = builtins.filter((b) => !b.importer.includes('node_modules'))
    assert.deepEqual(own, [])
    assert.deepEqual([...new Set(builtins.map((b) => b.path))], ['buffer'])
    for (const file of outputFiles) assert.doesNotMatch(file.text, /\bfrom\s*["']node:/)
  })

  it('an EVM-only bundle (root entry + /evm) never reaches @solana/web3.js or bn.js', async () => {
    const { errors, metafile } = await bundleForBrowser(
      [],
      "export { wrapFetch } from './src/index.ts'\nexport { evmPayer } from './src/evm/index.ts'",
    )
    assert.deepEqual(errors, [])
    // Inputs, not output bytes: a bundler that ignores `sideEffects` must not even load them.
    const inputs = Object.keys(metafile?.inputs ?? {})
    assert.ok(inputs.some((path) => path.includes('evmPayer')))
    assert.deepEqual(
      inputs.filter((path) => /node_modules\/(@solana|bn\.js)\//.test(path)),
      [],
    )
    // Nor the server's engine and its dependencies: the client imports @tx402/core/protocol.
    assert.deepEqual(
      inputs.filter((path) => /rate-limiter-flexible|lru-cache|core\/src\/engine\//.test(path)),
      [],
    )
  })

  it('fails to bundle code that imports a Node built-in (the check bites)', async () => {
    const { errors, builtins } = await bundleForBrowser(
      [],
      "import { readFileSync } from 'node:fs'\nexport const read = readFileSync",
    )
    assert.ok(errors.length > 0)
    assert.deepEqual(
      builtins.map((b) => b.path),
      ['node:fs'],
    )
  })
})
