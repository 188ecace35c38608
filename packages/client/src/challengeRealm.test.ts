import assert from 'node:assert/strict'
import { request } from 'node:http'
import type { AddressInfo } from 'node:net'
import Router from '@koa/router'
import { base } from '@tx402/chain-base'
import { memoryLedger, type PaymentRequiredBody, proofMessage } from '@tx402/core'
import { paymentRequired } from '@tx402/koa'
import Koa from 'koa'
import mount from 'koa-mount'
import { type Address, erc20Abi, type Hash } from 'viem'
import { type EvmEnv, startEvmEnv } from './test/evmEnv.js'

// docs/protocol.md section 2, the realm: two apps mounted with koa-mount in one process under one
// secret, /cheap (0.01 to A) and /premium (5.00 to B), each with a route /data. Inside, both see
// ctx.path '/data'; a challenge names the full path the client asked, so one from /cheap/data
// carries no terms to /premium/data, whose own terms (5.00 to B) judge the payment there.
describe('a challenge is honoured only in its realm (koa-mount, anvil)', function () {
  this.timeout(60_000)
  let env: EvmEnv
  let payeeA: Address
  let payeeB: Address
  let origin: string
  let stop: () => Promise<void>
  const served = { cheap: 0, premium: 0 }

  before(async () => {
    env = await startEvmEnv(8453)
    payeeA = env.freshPayTo()
    payeeB = env.freshPayTo()
    const ledger = memoryLedger()
    const app = (price: string, payTo: Address, name: keyof typeof served) => {
      const inner = new Koa()
      const router = new Router()
      const paid = paymentRequired({
        price,
        asset: 'USDC',
        chains: [
          base({
            rpcUrl: env.node.rpcUrl,
            payTo,
            confirmations: 1,
            assets: [{ standard: 'erc20', address: env.usdc, symbol: 'USDC', decimals: 6 }],
          }),
        ],
        ledger,
        secret: 'one-secret-for-both-mounted-apps-32b!!',
        logger: { info() {}, warn() {}, error() {} },
      })
      router.get('/data', paid, (ctx) => {
        served[name]++
        ctx.body = { content: name }
      })
      return inner.use(router.routes())
    }
    const outer = new Koa()
    outer.silent = true
    outer.use(mount('/cheap', app('0.01', payeeA, 'cheap')))
    outer.use(mount('/premium', app('5.00', payeeB, 'premium')))
    const server = outer.listen(0, '127.0.0.1')
    await new Promise((resolve) => server.once('listening', resolve))
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    stop = () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  })
  after(async () => {
    await stop?.()
    await env?.stop()
  })

  // A request line in absolute form (`GET http://host/cheap/data HTTP/1.1`, RFC 9112 3.2.2), as a
  // client speaking to a proxy sends it; Node serves it, with req.url the whole URL.
  const absoluteForm = (path: string, headers: Record<string, string> = {}) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const { hostname, port } = new URL(origin)
      const req = request(
        { host: hostname, port, path: `${origin}${path}`, headers, agent: false },
        (res) => {
          let body = ''
          res.setEncoding('utf8')
          res.on('data', (text: string) => {
            body += text
          })
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
        },
      )
      req.on('error', reject)
      req.end()
    })
  const challengeOf = async (path: string, absolute = false) => {
    if (absolute) {
      const response = await absoluteForm(path)
      assert.equal(response.status, 402)
      return JSON.parse(response.body) as PaymentRequiredBody
    }
    const response = await fetch(`${origin}${path}`)
    assert.equal(response.status, 402)
    return (await response.json()) as PaymentRequiredBody
  }
  const payAndPresent = async (body: PaymentRequiredBody) => {
    const option = body.accepts[0]!
    const hash: Hash = await env.walletClient.writeContract({
      address: env.usdc,
      abi: erc20Abi,
      functionName: 'transfer',
      args: [option.payTo as Address, BigInt(option.amount)],
    })
    await env.publicClient.waitForTransactionReceipt({ hash, confirmations: 2 })
    const challengeId = body.challenge.id
    const proof = await env.walletClient.signMessage({
      message: proofMessage({ network: option.network, txId: hash, challengeId }),
    })
    const headers = {
      'x-payment-tx': hash,
      'x-payment-chain': option.chain,
      'x-payment-challenge': challengeId,
      'x-payment-proof': proof,
    }
    return {
      hash,
      headers,
      at: (path: string) => fetch(`${origin}${path}`, { headers }),
    }
  }

  it('names the path the client asked in the 402, not the mounted app’s', async () => {
    const body = await challengeOf('/cheap/data')
    assert.equal(body.resource.path, '/cheap/data')
  })

  it('refuses at /premium/data a payment made to A against /cheap/data’s challenge, which /cheap/data then serves', async () => {
    const cheap = await challengeOf('/cheap/data')
    const payment = await payAndPresent(cheap)
    const premium = await payment.at('/premium/data')
    assert.equal(premium.status, 402)
    const refused = (await premium.json()) as PaymentRequiredBody
    // Judged by premium's own terms: B and 5.00, neither of which this payment met.
    assert.ok(['wrong_recipient', 'insufficient_amount'].includes(refused.error), refused.error)
    assert.equal(served.premium, 0)
    // Nothing was consumed there: the payment still buys what it was made for.
    const own = await payment.at('/cheap/data')
    assert.equal(own.status, 200)
    assert.deepEqual(await own.json(), { content: 'cheap' })
    assert.equal(served.cheap, 1)
    assert.deepEqual(
      (await env.transfersTo(payeeA)).map((t) => t.transactionHash),
      [payment.hash],
    )
    assert.deepEqual(await env.transfersTo(payeeB), [])
  })

  it('keeps the realms apart for a request line in absolute form (the mounted app sees /data for both)', async () => {
    const cheap = await challengeOf('/cheap/data', true)
    assert.equal(cheap.resource.path, '/cheap/data')
    const payment = await payAndPresent(cheap)
    const before = served.premium
    const premium = await absoluteForm('/premium/data', payment.headers)
    assert.equal(premium.status, 402, premium.body)
    const refused = JSON.parse(premium.body) as PaymentRequiredBody
    assert.ok(['wrong_recipient', 'insufficient_amount'].includes(refused.error), refused.error)
    assert.equal(served.premium, before)
  })
})
