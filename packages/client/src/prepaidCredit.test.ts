import assert from 'node:assert/strict'
import { base } from '@tx402/chain-base'
import type { Address } from 'viem'
import { callPaidEndpoint, type PaidFetchOptions } from './callPaidEndpoint.js'
import { creditsOf } from './credit/creditJournal.js'
import { creditBalanceOf } from './credit/creditRecord.js'
import { memoryJournal } from './journal/memoryJournal.js'
import type { PaymentJournal } from './journal/types.js'
import type { Payer } from './payer.js'
import { type EvmEnv, startEvmEnv } from './test/evmEnv.js'
import { type PaidApp, scriptedFirst, startPaidApp } from './test/paidApp.js'

/**
 * Prepaid credit (docs/protocol.md section 7) through the client against the real
 * `@tx402/koa` route selling packs, on anvil: price 0.01 USDC, one pack of 0.05 (the purchase
 * pays its own request and leaves 4 more).
 */
describe('prepaid credit end to end (callPaidEndpoint, @tx402/koa, anvil)', function () {
  this.timeout(60_000)
  let env: EvmEnv
  const apps: PaidApp[] = []
  after(async () => {
    await Promise.all(apps.map((app) => app.stop()))
    await env?.stop()
  })
  before(async () => {
    env = await startEvmEnv(8453, 6)
  })

  /** A credit-selling app on a fresh payee; `verifications` lists every tx id the server read. */
  const sell = async (more: Partial<Parameters<typeof startPaidApp>[0]> = {}) => {
    const payTo = env.freshPayTo()
    const chain = scriptedFirst(
      base({
        rpcUrl: env.node.rpcUrl,
        payTo,
        assets: [{ standard: 'erc20', address: env.usdc, symbol: 'USDC', decimals: 6 }],
      }),
    )
    const app = await startPaidApp({
      chains: [chain],
      ...more,
      engine: { credit: { packs: ['0.05'] }, ...more.engine },
    })
    apps.push(app)
    return { app, payTo, verifications: chain.verifications }
  }
  /** The test payer, counting the transfers it signs. */
  const countingPayer = () => {
    const signed: string[] = []
    const payer: Payer = {
      ...env.payer,
      getNetwork: () => env.payer.getNetwork(),
      supports: (asset) => env.payer.supports(asset),
      async sign(option, limits) {
        signed.push(option.amount)
        return env.payer.sign(option, limits)
      },
    }
    return { payer, signed }
  }
  const credited =
    (payer: Payer, journal: PaymentJournal, more: Partial<PaidFetchOptions> = {}) =>
    (url: string) =>
      callPaidEndpoint(
        url,
        {},
        {
          payers: [payer],
          journal,
          maxAmount: { USDC: '0.05' },
          credit: { buy: 'smallest' },
          ...more,
        },
      )
  const tokensSent = (app: PaidApp) =>
    app.paymentHeaders.filter((h) => h['x-payment-credit']).map((h) => h['x-payment-credit'])

  it('buys one pack, then spends it on 4 calls with no further transfer or RPC read', async () => {
    const { app, payTo, verifications } = await sell()
    const { payer, signed } = countingPayer()
    const call = credited(payer, memoryJournal())
    const remaining: bigint[] = []
    for (let i = 0; i < 5; i++) {
      const response = await call(app.url)
      assert.equal(response.status, 200)
      remaining.push(creditBalanceOf(response)!.remaining)
    }
    assert.deepEqual(remaining, [40_000n, 30_000n, 20_000n, 10_000n, 0n])
    assert.deepEqual(signed, ['50000'])
    assert.deepEqual(
      (await env.transfersTo(payTo as Address)).map((t) => t.value),
      [50_000n],
    )
    // One on-chain verification: the purchase; the 4 credited requests read no chain.
    assert.equal(verifications.length, 1)
    assert.equal(tokensSent(app).length, 4)
  })

  it('tops up an exhausted balance with a pack presented with the token', async () => {
    const { app, payTo } = await sell()
    const journal = memoryJournal()
    const { payer, signed } = countingPayer()
    const call = credited(payer, journal)
    for (let i = 0; i < 5; i++) await call(app.url)
    const [before] = await creditsOf(journal).list()
    // The journal thinks there is credit left: the server's credit_exhausted says otherwise.
    await creditsOf(journal).put({ ...before!, remaining: '999999' })
    const response = await call(app.url)
    assert.equal(response.status, 200)
    assert.equal(creditBalanceOf(response)!.remaining, 40_000n)
    assert.deepEqual(signed, ['50000', '50000'])
    assert.equal((await env.transfersTo(payTo as Address)).length, 2)
    const topUp = app.paymentHeaders.at(-1)!
    assert.ok(topUp['x-payment-tx'], 'the top-up is a payment')
    assert.equal(topUp['x-payment-credit'], before!.token, 'presented with the exhausted token')
    // The same balance goes on: the next call is credited.
    const next = await call(app.url)
    assert.equal(creditBalanceOf(next)!.remaining, 30_000n)
    assert.equal((await env.transfersTo(payTo as Address)).length, 2)
  })

  it('pays per request once the balance is exhausted when topping up is off', async () => {
    const { app, payTo } = await sell()
    const { payer, signed } = countingPayer()
    const call = credited(payer, memoryJournal(), { credit: { buy: 'smallest', topUp: false } })
    for (let i = 0; i < 6; i++) assert.equal((await call(app.url)).status, 200)
    assert.deepEqual(signed, ['50000', '10000'])
    assert.deepEqual(
      (await env.transfersTo(payTo as Address)).map((t) => t.value),
      [50_000n, 10_000n],
    )
  })

  it('never buys without the credit option, nor a pack above the cap', async () => {
    const { app, payTo } = await sell()
    const { payer, signed } = countingPayer()
    await callPaidEndpoint(app.url, {}, { payers: [payer], journal: memoryJournal() })
    const capped = credited(payer, memoryJournal(), { maxAmount: { USDC: '0.02' } })
    assert.equal((await capped(app.url)).status, 200)
    assert.deepEqual(signed, ['10000', '10000'])
    assert.equal((await env.transfersTo(payTo as Address)).length, 2)
    assert.deepEqual(tokensSent(app), [])
  })

  it('drops a token the server refuses (credit_invalid) and pays normally', async () => {
    const { app } = await sell()
    const journal = memoryJournal()
    const { payer, signed } = countingPayer()
    const call = credited(payer, journal)
    await call(app.url)
    // Spent once: the purchase is settled (until then it stays journaled, and a refused token
    // would have it presented again instead of a new pack bought).
    await call(app.url)
    assert.deepEqual(await journal.list(), [])
    const [bought] = await creditsOf(journal).list()
    const forged = `${bought!.token.slice(0, -4)}AAAA`
    await creditsOf(journal).put({ ...bought!, token: forged })
    const response = await call(app.url)
    assert.equal(response.status, 200)
    assert.equal(tokensSent(app).at(-1), forged)
    assert.deepEqual(signed, ['50000', '50000'], 'a new pack, without the forged token')
    const tokens = (await creditsOf(journal).list()).map((r) => r.token)
    assert.ok(!tokens.includes(forged))
    assert.equal(tokens.length, 1)
  })

  it('keeps a purchase journaled until its token is accepted, and presents it again rather than buy anew', async () => {
    const { app } = await sell()
    const journal = memoryJournal()
    const { payer, signed } = countingPayer()
    const call = credited(payer, journal)
    await call(app.url)
    const [entry] = await journal.list()
    const [bought] = await creditsOf(journal).list()
    assert.equal(entry?.awaitingToken, bought!.token, 'journaled until its token is accepted')
    // The token is refused before it was ever accepted (as a server that lost the purchase's
    // commit and released it would): the purchase is presented again, no second pack.
    await creditsOf(journal).put({ ...bought!, token: `${bought!.token.slice(0, -4)}AAAA` })
    const again = await call(app.url)
    assert.equal(again.status, 200)
    assert.deepEqual(signed, ['50000'], 'no second pack')
    assert.equal(creditBalanceOf(again)?.remaining, 40_000n)
    assert.deepEqual(await journal.list(), [], 'settled by the re-delivery')
    assert.deepEqual(
      (await creditsOf(journal).list()).map((r) => r.token),
      [bought!.token],
    )
  })

  it('retries a credited request whose response was lost with the same token, charged once', async () => {
    const { app } = await sell({ drop: { count: 1, at: 'mid-body' } })
    const journal = memoryJournal()
    const call = credited(env.payer, journal)
    await call(app.url)
    const response = await call(`${app.origin}/api/dropped`)
    assert.equal(response.status, 200)
    assert.equal(creditBalanceOf(response)!.remaining, 30_000n)
    const sent = tokensSent(app)
    assert.equal(sent.length, 2)
    assert.equal(sent[0], sent[1])
  })

  it('spends across a same-origin redirect, and never sends a token to another origin', async () => {
    const other = await sell()
    const { app } = await sell({
      // A paid route that sends credited requests to another origin: the token must not follow.
      routes: (router, paid) => {
        router.get(
          '/api/moved',
          (ctx, next) => (ctx.get('x-payment-credit') ? ctx.redirect(other.app.url) : next()),
          paid,
          (ctx) => {
            ctx.body = { moved: false }
          },
        )
      },
    })
    const journal = memoryJournal()
    const call = credited(env.payer, journal, { allowCrossOriginRedirect: true })
    await call(app.url)
    const viaRedirect = await call(`${app.origin}/api/old-weather`)
    assert.equal(creditBalanceOf(viaRedirect)!.remaining, 30_000n)
    const [ours] = await creditsOf(journal).list()
    // Not spent where the server redirected it: the redirect is followed without the token
    // (docs/protocol.md 6.3), and the other origin's route is paid there (allowed here).
    const moved = await call(`${app.origin}/api/moved`)
    assert.equal(((await moved.json()) as { forecast?: string }).forecast, 'sunny')
    assert.deepEqual(tokensSent(other.app), [])
    assert.equal(tokensSent(app).filter((t) => t === ours!.token).length, 3)
    // The other origin sells credit too: it is paid with its own pack (bought when the redirect
    // was followed), never shown ours.
    assert.equal((await call(other.app.url)).status, 200)
    assert.ok(!tokensSent(other.app).includes(ours!.token))
    const origins = (await creditsOf(journal).list()).map((r) => r.origin).sort()
    assert.deepEqual(origins, [app.origin, other.app.origin].sort())
  })
})
