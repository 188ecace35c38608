import assert from 'node:assert/strict'
import { Keypair, PublicKey } from '@solana/web3.js'
import { solana } from '@tx402/chain-solana'
import { ConfigurationError } from '@tx402/core'
import { memoryJournal } from './journal/memoryJournal.js'
import { type PaidApp, paymentResponse, startPaidApp } from './test/paidApp.js'
import { type SolanaEnv, startSolanaEnv } from './test/solanaEnv.js'
import { wrapFetch } from './wrapFetch.js'

describe('wrapFetch', function () {
  this.timeout(60_000)
  let env: SolanaEnv
  let app: PaidApp
  let payTo: string

  const chain = () =>
    solana({
      rpcUrl: env.rpc.rpcUrl,
      network: env.rpc.network,
      payTo,
      assets: [{ standard: 'spl', mint: env.mint.toBase58(), symbol: 'USDC', decimals: 6 }],
    })

  before(async () => {
    env = await startSolanaEnv()
    payTo = Keypair.generate().publicKey.toBase58()
    app = await startPaidApp({ chains: [chain()] })
  })
  after(async () => {
    await app?.stop()
    await env?.stop()
  })

  it('pays through the fetch it wraps, for a Request input with a body', async () => {
    const seen: { method: string; tx: string | null }[] = []
    const recording: typeof fetch = async (input, init) => {
      const request = new Request(input, init)
      seen.push({ method: request.method, tx: request.headers.get('x-payment-tx') })
      return fetch(request)
    }
    const paidFetch = wrapFetch(recording, { payers: [env.payer], journal: memoryJournal() })
    const response = await paidFetch(
      new Request(`${app.origin}/api/echo`, { method: 'POST', body: 'ping' }),
    )
    assert.equal(response.status, 200)
    const { transaction } = paymentResponse(response.headers)
    assert.deepEqual(seen, [
      { method: 'POST', tx: null },
      { method: 'POST', tx: transaction },
    ])
    assert.deepEqual(await response.json(), { echo: 'ping', paidWith: transaction })
  })

  it('sends the same headers again when the paid response is lost mid-body: one payment', async () => {
    const lossy = await startPaidApp({ chains: [chain()], drop: { count: 1, at: 'mid-body' } })
    try {
      const paidFetch = wrapFetch(fetch, { payers: [env.payer], journal: memoryJournal() })
      const before = await env.balanceOf(new PublicKey(payTo))
      const response = await paidFetch(`${lossy.origin}/api/dropped`)
      assert.equal(response.status, 200)
      const { transaction } = paymentResponse(response.headers)
      assert.deepEqual(await response.json(), { forecast: 'sunny', paidWith: transaction })
      assert.deepEqual(lossy.presented, [null, transaction, transaction])
      assert.equal((await env.balanceOf(new PublicKey(payTo))) - before, 10000n)
    } finally {
      await lossy.stop()
    }
  })

  it('validates its options once, at setup', () => {
    assert.throws(() => wrapFetch(fetch, { payers: [] }), ConfigurationError)
    assert.throws(
      () => wrapFetch(fetch, { payers: [env.payer], maxAmount: '0.1 USDC' }),
      ConfigurationError,
    )
    assert.throws(() => wrapFetch(fetch, { payers: [env.payer], timeoutMs: 0 }), ConfigurationError)
  })
})
