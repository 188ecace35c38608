import assert from 'node:assert/strict'
import type { AddressInfo } from 'node:net'
import Router from '@koa/router'
import { memoryLedger } from '@tx402/core'
import { paymentRequired } from '@tx402/koa'
import { rateLimitedRpc } from '@tx402/testing/faults'
import Koa from 'koa'
import { evmChain } from './evmChain.js'

describe('the EVM plugin behind a provider that rate limits', () => {
  for (const [what, answer, retryAfter] of [
    ['HTTP 429 with Retry-After 7', { kind: 'http-429', retryAfter: '7' }, '7'],
    ['HTTP 429 without Retry-After', { kind: 'http-429' }, '5'],
    [
      'JSON-RPC -32005 with backoff_seconds 12 (Infura)',
      { kind: 'json-rpc', code: -32005, data: { backoff_seconds: 12 } },
      '12',
    ],
    ['JSON-RPC 429 (Alchemy)', { kind: 'json-rpc', code: 429 }, '5'],
  ] as const) {
    it(`answers ${what} with 503 and Retry-After ${retryAfter}`, async () => {
      const rpc = await rateLimitedRpc(answer)
      const chain = evmChain({
        name: 'base',
        network: 'eip155:8453',
        rpcUrls: [rpc.url],
        retryCount: 0,
        payTo: '0x000000000000000000000000000000000000dEaD',
        assets: [
          {
            standard: 'erc20',
            address: '0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913',
            symbol: 'USDC',
            decimals: 6,
          },
        ],
      })
      const router = new Router()
      router.get(
        '/api/weather',
        paymentRequired({
          price: '0.01',
          chains: [chain],
          ledger: memoryLedger(),
          secret: 'evm-rate-limit-secret-of-at-least-32-bytes',
          // What is under test is the RPC's answer, which binding would otherwise precede.
          binding: 'none',
          logger: { info() {}, warn() {}, error() {} },
        }),
        (ctx) => {
          ctx.body = { ok: true }
        },
      )
      const server = new Koa().use(router.routes()).listen(0, '127.0.0.1')
      await new Promise((resolve) => server.once('listening', resolve))
      try {
        const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/weather`
        const response = await fetch(url, {
          headers: { 'x-payment-tx': `0x${'ab'.repeat(32)}`, 'x-payment-chain': 'base' },
        })
        assert.equal(response.status, 503)
        assert.equal(((await response.json()) as { error: string }).error, 'verifier_unavailable')
        assert.equal(response.headers.get('retry-after'), retryAfter)
        assert.ok(rpc.refused() >= 1)
      } finally {
        server.closeAllConnections()
        await new Promise((resolve) => server.close(resolve))
        await rpc.close()
      }
    })
  }
})
