import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import type { DemoPage } from '../app.js'

/** The local test wallet the page pays from (a funded anvil dev key: never real funds). */
export interface PageWallet {
  rpcUrl: string
  chainId: number
  privateKey: `0x${string}`
  /** The test USDC the page's wallet pays (declared to the payer by address). */
  usdc: `0x${string}`
  /** Where the paid API is, when not on the page's own origin (e.g. `http://127.0.0.1:3402`). */
  apiOrigin?: string
  /** How long the page's payment may wait for the server, in ms (the client's `timeoutMs`). */
  timeoutMs?: number
}

/**
 * Bundles the page's script for the browser with esbuild, the wallet baked in.
 *
 * @example const page = await buildPage({ rpcUrl, chainId: 8453, privateKey, usdc })
 */
export async function buildPage(wallet: PageWallet): Promise<DemoPage> {
  const result = await build({
    entryPoints: [fileURLToPath(new URL('./browser.ts', import.meta.url))],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    define: { DEMO_WALLET: JSON.stringify({ apiOrigin: '', timeoutMs: 120_000, ...wallet }) },
    logLevel: 'silent',
  })
  return { html, script: result.outputFiles[0]!.text }
}

const html = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>tx402 demo</title>
  <style>
    body { font: 15px/1.5 system-ui, sans-serif; max-width: 52rem; margin: 2rem auto; padding: 0 1rem; }
    pre { background: #f4f4f4; padding: .75rem; overflow: auto; max-height: 22rem; white-space: pre-wrap; word-break: break-all; }
    pre:empty { display: none; }
    button { font-size: 1rem; padding: .5rem 1rem; }
  </style>
</head>
<body>
  <h1>tx402 demo</h1>
  <p><code>GET /api/weather</code> costs 0.01 USDC. Without payment it answers 402 with this challenge:</p>
  <pre id="challenge">loading…</pre>
  <p>Test wallet: <code id="wallet"></code></p>
  <button id="pay">Pay 0.01 USDC on Base and get the weather</button>
  <p id="status"></p>
  <pre id="result"></pre>
  <pre id="receipt"></pre>
  <script type="module" src="/app.js"></script>
</body>
</html>
`
