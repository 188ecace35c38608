import assert from 'node:assert/strict'
import type { AddressInfo } from 'node:net'
import { type ChainPlugin, ConfigurationError, memoryLedger } from '@tx402/core'
import { confirmedPayment, scriptedChain } from '@tx402/core/testing'
import Koa from 'koa'
import { paymentRequired } from './paymentRequired.js'

const secret = 'options-test-secret-at-least-32-bytes!!'
const tx = `0x${'cd'.repeat(32)}`

function chainWithProofs(): ChainPlugin & { signed: string[] } {
  const signed: string[] = []
  return {
    ...scriptedChain({ otherwise: confirmedPayment }).plugin,
    signed,
    // A "signature" here is the message itself prefixed by the payer: enough to test the wiring.
    async verifyProof({ message, signature, payer }) {
      signed.push(message)
      return signature === `${payer}:${Buffer.from(message).toString('base64')}`
    },
  }
}

async function serve(middleware: Koa.Middleware) {
  const app = new Koa()
  app.use(middleware).use((ctx) => {
    ctx.body = { ok: true }
  })
  const server = app.listen(0, '127.0.0.1')
  await new Promise((resolve) => server.once('listening', resolve))
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/paid` }
}

const silent = { info() {}, warn() {}, error() {} }

describe('@tx402/koa options', () => {
  it("fails at setup for a charge rule other than 'firstByte' or 'delivered', or a bound that is not a whole count", () => {
    const base = { price: '0.01', chains: [chainWithProofs()], ledger: memoryLedger(), secret }
    assert.throws(
      () => paymentRequired({ ...base, charge: 'whole' as 'delivered' }),
      /"charge" must be 'firstByte' or 'delivered'/,
    )
    for (const maxRedeliveries of [-1, 1.5, Number.POSITIVE_INFINITY]) {
      assert.throws(
        () => paymentRequired({ ...base, maxRedeliveries }),
        /"maxRedeliveries" must be a whole number of 0 or more/,
      )
    }
    assert.doesNotThrow(() => paymentRequired({ ...base, charge: 'delivered', maxRedeliveries: 0 }))
  })

  it('fails at setup without a secret, ledger, chain or a chain with the asset', () => {
    const chain = chainWithProofs()
    const ledger = memoryLedger()
    assert.throws(
      () => paymentRequired({ price: '0.01', chains: [chain], ledger, secret: 'short' }),
      ConfigurationError,
    )
    assert.throws(
      () => paymentRequired({ price: '0.01', chains: [], ledger, secret }),
      ConfigurationError,
    )
    assert.throws(
      () => paymentRequired({ price: '0.01', asset: 'EURC', chains: [chain], ledger, secret }),
      /No configured chain accepts EURC/,
    )
    assert.throws(
      () => paymentRequired({ price: '0.0000001', chains: [chain], ledger, secret }),
      /decimal places/,
    )
  })

  it('binds a challenge fetched with HEAD to the GET it answers', async () => {
    const chain = scriptedChain({ otherwise: confirmedPayment })
    const { server, url } = await serve(
      paymentRequired({
        price: '0.01',
        chains: [chain.plugin],
        ledger: memoryLedger(),
        secret,
        logger: silent,
      }),
    )
    try {
      const head = await fetch(url, { method: 'HEAD' })
      assert.equal(head.status, 402)
      const body = JSON.parse(
        Buffer.from(head.headers.get('payment-required')!, 'base64').toString(),
      )
      assert.deepEqual(body.resource, { method: 'GET', path: '/paid' })
      const paid = await fetch(url, {
        headers: {
          'x-payment-tx': tx,
          'x-payment-chain': 'testnet',
          'x-payment-challenge': body.challenge.id,
        },
      })
      assert.equal(paid.status, 200)
    } finally {
      server.close()
    }
  })
})
