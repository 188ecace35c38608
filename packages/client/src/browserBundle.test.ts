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
    plugins: [recordBuiltins],
  }).catch((error: { errors?: { text: string }[] }) => ({
    errors: error.errors ?? [{ text: String(error) }],
    outputFiles: [],
  }))
  return { ...result, builtins }
}

describe('browser bundle', () => {
  it('bundles the main and axios entries for browsers without Node built-ins', async () => {
    const { errors, outputFiles, builtins } = await bundleForBrowser([
      'src/index.ts',
      'src/axios/index.ts',
    ])
    assert.deepEqual(errors, [])
    assert.equal(outputFiles.length, 2)
    // Nothing of tx402's own code names a built-in; dependencies may only name `buffer`, which
    // resolves to the npm polyfill package, never to Node.
    const own = builtins.filter((b) => !b.importer.includes('node_modules'))
    assert.deepEqual(own, [])
    assert.deepEqual([...new Set(builtins.map((b) => b.path))], ['buffer'])
    for (const file of outputFiles) assert.doesNotMatch(file.text, /\bfrom\s*["']node:/)
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
