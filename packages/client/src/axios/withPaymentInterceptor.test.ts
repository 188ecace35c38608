import assert from 'node:assert/strict'
import { base } from '@tx402/chain-base'
import axios, { AxiosError } from 'axios'
import type { Address } from 'viem'
import { SpendingCapError } from '../errors.js'
import { memoryJournal } from '../journal/memoryJournal.js'
import { type EvmEnv, startEvmEnv } from '../test/evmEnv.js'
import {
  type DroppedResponses,
  type PaidApp,
  paymentResponse,
  scriptedFirst,
  startPaidApp,
} from '../test/paidApp.js'
import { withPaymentInterceptor } from './withPaymentInterceptor.js'

describe('withPaymentInterceptor (axios)', function () {
  this.timeout(60_000)
  let env: EvmEnv
  const apps: PaidApp[] = []

  before(async () => {
    env = await startEvmEnv(8453, 3)
  })
  after(async () => {
    await Promise.all(apps.map((app) => app.stop()))
    await env?.stop()
  })

  const serve = async (payTo: Address, pendingFirst = false, drop?: DroppedResponses) => {
    const chain = base({
      rpcUrl: env.node.rpcUrl,
      payTo,
      assets: [{ standard: 'erc20', address: env.usdc, symbol: 'USDC', decimals: 6 }],
    })
    const app = await startPaidApp({
      chains: [pendingFirst ? scriptedFirst(chain, 'pending') : chain],
      ...(drop ? { drop } : {}),
    })
    apps.push(app)
    return app
  }
  const headersOf = (response: { headers: Record<string, unknown> }) => ({
    get: (name: string) => (response.headers[name] as string | undefined) ?? null,
  })

  it('pays a 402 and resolves with the paid response, retrying payment_pending with one transfer', async () => {
    const payTo = env.freshPayTo()
    const app = await serve(payTo, true)
    const api = withPaymentInterceptor(axios.create({ baseURL: app.origin }), {
      payers: [env.payer],
      journal: memoryJournal(),
    })
    const response = await api.get('/api/weather')
    assert.equal(response.status, 200)
    const receipt = paymentResponse(headersOf(response))
    assert.deepEqual(response.data, { forecast: 'sunny', paidWith: receipt.transaction })
    assert.deepEqual(
      (await env.transfersTo(payTo)).map((t) => t.transactionHash),
      [receipt.transaction],
    )
  })

  it('resends a JSON body on the paid retry', async () => {
    const app = await serve(env.freshPayTo())
    const api = withPaymentInterceptor(axios.create(), {
      payers: [env.payer],
      journal: memoryJournal(),
    })
    const response = await api.post(`${app.origin}/api/echo`, { city: 'Lisbon' })
    assert.equal(response.status, 200)
    assert.equal(response.data.echo, '{"city":"Lisbon"}')
  })

  it('rejects with SpendingCapError above the cap, without a transfer', async () => {
    const payTo = env.freshPayTo()
    const app = await serve(payTo)
    const api = withPaymentInterceptor(axios.create(), {
      payers: [env.payer],
      maxAmount: '0.005',
    })
    await assert.rejects(api.get(app.url), SpendingCapError)
    assert.deepEqual(await env.transfersTo(payTo), [])
  })

  it("keeps axios' own rejections for errors that are not 402s, and for the route's own failures", async () => {
    const payTo = env.freshPayTo()
    const app = await serve(payTo)
    const api = withPaymentInterceptor(axios.create({ baseURL: app.origin }), {
      payers: [env.payer],
      journal: memoryJournal(),
    })
    const missing = await api.get('/nowhere').catch((e: unknown) => e)
    assert.ok(missing instanceof AxiosError)
    assert.equal(missing.response?.status, 404)
    const failed = await api.get('/api/flaky').catch((e: unknown) => e)
    assert.ok(failed instanceof AxiosError, String(failed))
    assert.equal(failed.response?.status, 500)
    assert.deepEqual(failed.response?.data, { error: 'internal', message: 'The handler failed.' })
    // The failed route released the payment: the next call presents the same transaction.
    const served = await api.get('/api/flaky')
    assert.equal(served.status, 200)
    assert.equal((await env.transfersTo(payTo)).length, 1)
  })
  it('sends the same headers again when the paid response is lost: one transfer', async () => {
    const payTo = env.freshPayTo()
    const app = await serve(payTo, false, { count: 1, at: 'before-headers' })
    const api = withPaymentInterceptor(axios.create({ baseURL: app.origin }), {
      payers: [env.payer],
      journal: memoryJournal(),
    })
    const response = await api.get('/api/dropped')
    assert.equal(response.status, 200)
    const { transaction } = paymentResponse(headersOf(response))
    assert.deepEqual(app.presented, [null, transaction, transaction])
    assert.deepEqual(
      (await env.transfersTo(payTo)).map((t) => t.transactionHash),
      [transaction],
    )
  })
})
