import assert from 'node:assert/strict'
import type { AddressInfo } from 'node:net'
import { base } from '@tx402/chain-base'
import axios from 'axios'
import Koa from 'koa'
import type { Address } from 'viem'
import { withPaymentInterceptor } from './axios/withPaymentInterceptor.js'
import { callPaidEndpoint } from './callPaidEndpoint.js'
import { memoryJournal } from './journal/memoryJournal.js'
import type { PaymentJournal } from './journal/types.js'
import { CrossOriginRedirectError } from './refusals.js'
import { type EvmEnv, startEvmEnv } from './test/evmEnv.js'
import { type PaidApp, paymentResponse, startPaidApp } from './test/paidApp.js'

describe('callPaidEndpoint and redirects', function () {
  this.timeout(60_000)
  let env: EvmEnv
  let elsewhere: PaidApp
  let elsewherePayTo: Address
  let redirector: { url: string; stop(): Promise<void> }

  before(async () => {
    env = await startEvmEnv(8453)
    elsewherePayTo = env.freshPayTo()
    elsewhere = await startPaidApp({
      chains: [
        base({
          rpcUrl: env.node.rpcUrl,
          payTo: elsewherePayTo,
          assets: [{ standard: 'erc20', address: env.usdc, symbol: 'USDC', decimals: 6 }],
        }),
      ],
    })
    // Another origin that answers every request with a 302 to the paid route of `elsewhere`.
    const app = new Koa().use((ctx) => ctx.redirect(elsewhere.url))
    const server = app.listen(0, '127.0.0.1')
    await new Promise((resolve) => server.once('listening', resolve))
    redirector = {
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/weather`,
      stop: () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections()
          server.close(() => resolve())
        }),
    }
  })
  after(async () => {
    await redirector?.stop()
    await elsewhere?.stop()
    await env?.stop()
  })

  it("refuses a redirect to another origin's 402 before paying anything", async () => {
    const journal = memoryJournal()
    const error = await callPaidEndpoint(
      redirector.url,
      {},
      { payers: [env.payer], journal },
    ).catch((e: unknown) => e)
    assert.ok(error instanceof CrossOriginRedirectError, String(error))
    assert.equal(error.askedOrigin, new URL(redirector.url).origin)
    assert.equal(error.answeringOrigin, elsewhere.origin)
    assert.deepEqual(await env.transfersTo(elsewherePayTo), [])
    assert.deepEqual(await journal.list(), [])
  })

  it('follows a same-origin redirect and pays', async () => {
    const response = await callPaidEndpoint(
      `${elsewhere.origin}/api/old-weather`,
      {},
      { payers: [env.payer], journal: memoryJournal() },
    )
    assert.equal(response.status, 200)
    const transfers = await env.transfersTo(elsewherePayTo)
    assert.deepEqual(
      transfers.map((t) => t.transactionHash),
      [paymentResponse(response.headers).transaction],
    )
  })

  it('pays the answering origin when allowed, journaled under that origin', async () => {
    const before = (await env.transfersTo(elsewherePayTo)).length
    const journal = memoryJournal()
    const resources: string[] = []
    const watched: PaymentJournal = {
      ...journal,
      async put(entry) {
        resources.push(entry.resource)
        await journal.put(entry)
      },
    }
    const response = await callPaidEndpoint(
      redirector.url,
      {},
      { payers: [env.payer], journal: watched, allowCrossOriginRedirect: true },
    )
    assert.equal(response.status, 200)
    assert.equal((await env.transfersTo(elsewherePayTo)).length, before + 1)
    assert.ok(resources.length > 0)
    for (const resource of resources)
      assert.ok(resource.startsWith(`${elsewhere.origin} `), resource)
  })

  it("refuses through the axios interceptor too: a redirect to another origin's 402 pays nothing", async () => {
    const journal = memoryJournal()
    const api = withPaymentInterceptor(axios.create(), { payers: [env.payer], journal })
    const before = (await env.transfersTo(elsewherePayTo)).length
    const error = await api.get(redirector.url).catch((e: unknown) => e)
    assert.ok(error instanceof CrossOriginRedirectError, String(error))
    assert.equal(error.answeringOrigin, elsewhere.origin)
    assert.equal((await env.transfersTo(elsewherePayTo)).length, before)
    assert.deepEqual(await journal.list(), [])
  })

  it('pays through the axios interceptor when allowed, journaled under the answering origin', async () => {
    const journal = memoryJournal()
    const resources: string[] = []
    const watched: PaymentJournal = {
      ...journal,
      async put(entry) {
        resources.push(entry.resource)
        await journal.put(entry)
      },
    }
    const api = withPaymentInterceptor(axios.create(), {
      payers: [env.payer],
      journal: watched,
      allowCrossOriginRedirect: true,
    })
    const before = (await env.transfersTo(elsewherePayTo)).length
    const response = await api.get(redirector.url)
    assert.equal(response.status, 200)
    assert.equal((await env.transfersTo(elsewherePayTo)).length, before + 1)
    assert.ok(resources.length > 0)
    for (const resource of resources)
      assert.ok(resource.startsWith(`${elsewhere.origin} `), resource)
  })
})
