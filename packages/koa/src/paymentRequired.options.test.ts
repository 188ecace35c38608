import assert from 'node:assert/strict'
import type { AddressInfo } from 'node:net'
import {
  type ChainPlugin,
  ConfigurationError,
  memoryLedger,
  type PaymentRequiredBody,
  proofMessage,
} from '@tx402/core'
import { confirmedPayment, scriptedChain, scriptedPayer } from '@tx402/core/testing'
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

  it('requireProof: advertises proofRequired, refuses a missing or wrong proof, accepts the payer signature', async () => {
    const chain = chainWithProofs()
    const { server, url } = await serve(
      paymentRequired({
        price: '0.01',
        chains: [chain],
        ledger: memoryLedger(),
        secret,
        requireProof: true,
        logger: silent,
      }),
    )
    try {
      const challenge = (await (await fetch(url)).json()) as PaymentRequiredBody
      assert.equal(challenge.accepts[0]!.proofRequired, true)
      const headers = {
        'x-payment-tx': tx,
        'x-payment-chain': 'testnet',
        'x-payment-challenge': challenge.challenge.id,
      }
      const missing = await fetch(url, { headers })
      assert.equal(((await missing.json()) as { error: string }).error, 'proof_invalid')
      const wrong = await fetch(url, { headers: { ...headers, 'x-payment-proof': '0xdeadbeef' } })
      assert.equal(((await wrong.json()) as { error: string }).error, 'proof_invalid')
      const message = proofMessage({
        network: 'eip155:31337',
        txId: tx,
        challengeId: challenge.challenge.id,
      })
      assert.equal(chain.signed.at(-1), message)
      const proof = `${scriptedPayer}:${Buffer.from(message).toString('base64')}`
      const ok = await fetch(url, { headers: { ...headers, 'x-payment-proof': proof } })
      assert.equal(ok.status, 200)
    } finally {
      server.close()
    }
  })

  it('requireChallenge: refuses a payment without x-payment-challenge before any verification', async () => {
    const chain = chainWithProofs()
    let verified = 0
    const counting = {
      ...chain,
      verify: async (context: Parameters<ChainPlugin['verify']>[0]) => {
        verified++
        return chain.verify(context)
      },
    }
    const { server, url } = await serve(
      paymentRequired({
        price: '0.01',
        chains: [counting],
        ledger: memoryLedger(),
        secret,
        requireChallenge: true,
        logger: silent,
      }),
    )
    try {
      const response = await fetch(url, {
        headers: { 'x-payment-tx': tx, 'x-payment-chain': 'testnet' },
      })
      assert.equal(response.status, 402)
      assert.equal(((await response.json()) as { error: string }).error, 'challenge_invalid')
      assert.equal(verified, 0)
    } finally {
      server.close()
    }
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
