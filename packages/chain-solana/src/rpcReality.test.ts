import assert from 'node:assert/strict'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import Router from '@koa/router'
import { type ChainPlugin, memoryLedger } from '@tx402/core'
import { paymentRequired } from '@tx402/koa'
import { rateLimitedRpc } from '@tx402/testing/faults'
import { describeWithFixtures, fixturePath, startRecordedSolanaRpc } from '@tx402/testing/solana'
import Koa from 'koa'
import { solana } from './solana.js'

// A recorded mainnet v0 swap (TX402_FIXTURES_DIR, default ../shared/fixtures).
const v0SwapFile = fixturePath('solana/mainnet-v0-lookup-table-usdc-swap.json')
const mainnetGenesis = '5eykt4UsFv8P8NJdTREpY1vzqKqZKvdpKuc147dw2N9d'
const v0Swap =
  '435cogDHkQZXaqK5Vr9mPrk6vYiNS8eGCe5fe2ar4wABMzBUEzgLXHtKxLoqbUbBtj3PCX5iW9xiGk6k8YwaLinD'
const payTo = '3i476kTBBTy7pBGx4CXwJpJ6phuwLQgcwLTdHhU3c7ui'

/** A Koa app with one paid route on `chain`; returns its URL and a stop function. */
async function serve(chain: ChainPlugin): Promise<{ url: string; stop(): Promise<void> }> {
  const router = new Router()
  router.get(
    '/api/weather',
    paymentRequired({
      price: '0.01',
      asset: 'USDC',
      chains: [chain],
      ledger: memoryLedger(),
      secret: 'solana-rpc-reality-secret-at-least-32-bytes',
      // What is under test is the RPC's answer, which binding would otherwise precede.
      binding: 'none',
      maxAgeSeconds: 0,
      logger: { info() {}, warn() {}, error() {} },
    }),
    (ctx) => {
      ctx.body = { ok: true }
    },
  )
  const server: Server = new Koa().use(router.routes()).listen(0, '127.0.0.1')
  await new Promise((resolve) => server.once('listening', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/weather`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

const present = (url: string, txId: string) =>
  fetch(url, { headers: { 'x-payment-tx': txId, 'x-payment-chain': 'solana' } })

describeWithFixtures('the Solana plugin on recorded transactions of each version', () => {
  for (const [what, options] of [
    ['answers error -32015 (a version above the maximum asked)', { version: 1 }],
    [
      'returns a transaction of a version web3.js does not read',
      { version: 1, answerAnyVersion: true },
    ],
  ] as const) {
    it(`answers 402 unsupported_transaction on the first try when the RPC ${what}`, async () => {
      const rpc = await startRecordedSolanaRpc({
        genesisHash: mainnetGenesis,
        files: [v0SwapFile],
        ...options,
      })
      const app = await serve(solana({ rpcUrl: rpc.rpcUrl, payTo }))
      try {
        const response = await present(app.url, v0Swap)
        const body = (await response.json()) as {
          error: string
          message: string
          accepts: unknown[]
        }
        assert.equal(response.status, 402)
        assert.equal(body.error, 'unsupported_transaction')
        assert.match(body.message, /version 1/)
        assert.ok(body.accepts.length > 0)
      } finally {
        await app.stop()
        await rpc.stop()
      }
    })
  }

  it('still reads version 0 transactions', async () => {
    const rpc = await startRecordedSolanaRpc({
      genesisHash: mainnetGenesis,
      files: [v0SwapFile],
    })
    const app = await serve(solana({ rpcUrl: rpc.rpcUrl, payTo }))
    try {
      const body = (await (await present(app.url, v0Swap)).json()) as { error: string }
      // The swap paid payTo less than the price: a verdict on its content, not on its version.
      assert.notEqual(body.error, 'unsupported_transaction')
      assert.notEqual(body.error, 'verifier_unavailable')
    } finally {
      await app.stop()
      await rpc.stop()
    }
  })
})

describe('the Solana plugin on the RPCs people use', () => {
  for (const [what, answer, retryAfter] of [
    ['HTTP 429 with Retry-After', { kind: 'http-429', retryAfter: '7' }, '7'],
    ['HTTP 429 without Retry-After', { kind: 'http-429' }, '5'],
    [
      'JSON-RPC -32005 with backoff_seconds',
      { kind: 'json-rpc', code: -32005, data: { backoff_seconds: 12 } },
      '12',
    ],
    ['JSON-RPC 429', { kind: 'json-rpc', code: 429 }, '5'],
  ] as const) {
    it(`answers a rate limit (${what}) with 503 and Retry-After ${retryAfter}`, async () => {
      const rpc = await rateLimitedRpc(answer)
      const app = await serve(solana({ rpcUrl: rpc.url, payTo }))
      try {
        const response = await present(app.url, v0Swap)
        assert.equal(response.status, 503)
        assert.equal(((await response.json()) as { error: string }).error, 'verifier_unavailable')
        assert.equal(response.headers.get('retry-after'), retryAfter)
        assert.ok(rpc.refused() >= 1)
      } finally {
        await app.stop()
        await rpc.close()
      }
    })
  }
})
