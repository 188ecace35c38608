// Bundles wrapFetch with one payer for browsers (esbuild, minified) from the installed packages
// and reports the sizes; the EVM bundle must hold no @solana/web3.js (nor bn.js), the Solana one
// no viem, and neither the server engine's limiter (rate-limiter-flexible, lru-cache).
// Run by .ci/packages.sh: tsx .ci/packages/browserBundles.ts <scratch app dir>
import assert from 'node:assert/strict'
import { gzipSync } from 'node:zlib'
import { build } from 'esbuild'

const app = process.argv[2]
if (!app) throw new Error('usage: browserBundles.ts <scratch app dir>')

const bundles = [
  {
    name: 'wrapFetch + evmPayer',
    payer: 'evmPayer',
    entry: '@tx402/client/evm',
    absent: ['@solana/web3.js', 'bn.js', 'rate-limiter-flexible', 'lru-cache'],
  },
  {
    name: 'wrapFetch + solanaPayer',
    payer: 'solanaPayer',
    entry: '@tx402/client/solana',
    absent: ['viem', 'rate-limiter-flexible', 'lru-cache'],
  },
]

for (const bundle of bundles) {
  const result = await build({
    stdin: {
      contents: `import { wrapFetch } from '@tx402/client'\nimport { ${bundle.payer} } from '${bundle.entry}'\nexport { wrapFetch, ${bundle.payer} }\n`,
      resolveDir: app,
      loader: 'js',
    },
    bundle: true,
    platform: 'browser',
    format: 'esm',
    minify: true,
    write: false,
    metafile: true,
    logLevel: 'error',
  })
  const inputs = Object.keys(result.metafile.inputs)
  for (const name of bundle.absent) {
    const found = inputs.filter((path) => path.includes(`node_modules/${name}/`))
    assert.deepEqual(found, [], `${bundle.name} bundles ${name}`)
  }
  const bytes = result.outputFiles[0]!.contents
  const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`
  console.log(
    `${bundle.name}: ${kb(bytes.length)} minified, ${kb(gzipSync(bytes).length)} gzipped; no ${bundle.absent.join(', ')}`,
  )
}
