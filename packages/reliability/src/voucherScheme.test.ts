import assert from 'node:assert/strict'
import { generateKeyPairSync, type KeyObject, randomBytes, sign, verify } from 'node:crypto'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import Router from '@koa/router'
import {
  decodeBase64Json,
  type Ledger,
  memoryLedger,
  type PaymentRequiredBody,
  type PaymentResponse,
  type PaymentScheme,
  type Refusal,
  refuse,
  type SchemeAttempt,
  type SchemePayment,
  type WireAsset,
} from '@tx402/core'
import { scriptedChain } from '@tx402/core/testing'
import { paymentRequired } from '@tx402/koa'
import { redisPostgresLedger } from '@tx402/ledger'
import Koa from 'koa'
import { databaseUrl, prepareDatabase } from './test/database.js'

// A payment scheme written here, plugged in through @tx402/core's public interface only: a fake
// chain whose "payments" are vouchers signed (ed25519) by their payer. Mounted with @tx402/koa
// over real HTTP, it gets the ledger's guarantees like tx402's own transfer: one claim across
// concurrent requests, settled only on delivery, re-delivered to its payer.

const network = 'voucher:test' as const
const asset: WireAsset = {
  standard: 'erc20',
  address: '0x00000000000000000000000000000000000000a1',
  symbol: 'USDC',
  decimals: 6,
}
const price = 10_000n
const header = 'x-voucher'

/** What a payer signs: a voucher pays `amount` base units to `payTo`, once, by its `id`. */
interface Voucher {
  id: string
  payTo: string
  amount: string
  /** The payer's ed25519 public key, DER (spki) hex: the payer's address on this fake chain. */
  payer: string
}
interface VoucherAttempt extends SchemeAttempt {
  voucher: Voucher
  signed: Buffer
  signature: Buffer
}

function voucherScheme(payTo: string): PaymentScheme<VoucherAttempt> & { verified: number } {
  const scheme = {
    name: 'voucher',
    headers: [header],
    verified: 0,
    read(request: { headers: Readonly<Record<string, readonly string[] | undefined>> }) {
      const raw = request.headers[header]
      if (raw === undefined) return undefined
      const [body, signature] = raw[0]?.split('.') ?? []
      try {
        const signed = Buffer.from(body!, 'base64url')
        const voucher = JSON.parse(signed.toString()) as Voucher
        if (typeof voucher.id !== 'string' || typeof voucher.payer !== 'string') throw 0
        return {
          chain: 'voucher',
          network,
          id: voucher.id,
          challenged: false,
          voucher,
          signed,
          signature: Buffer.from(signature!, 'base64url'),
        }
      } catch {
        return refuse('invalid_payment_headers', `${header} is not a voucher: send body.signature.`)
      }
    },
    accepts: () => [
      { chain: 'voucher', network, asset, amount: price.toString(), payTo, maxAgeSeconds: 0 },
    ],
    async verify(attempt: VoucherAttempt): Promise<SchemePayment | Refusal> {
      scheme.verified++
      const { voucher } = attempt
      const key = { key: Buffer.from(voucher.payer, 'hex'), format: 'der', type: 'spki' } as const
      if (!verify(null, attempt.signed, key, attempt.signature)) {
        return refuse('proof_invalid', 'The voucher is not signed by its payer.')
      }
      if (voucher.payTo !== payTo) return refuse('wrong_recipient', 'Pay this route’s payTo.')
      const amount = BigInt(voucher.amount)
      if (amount < price) return refuse('insufficient_amount', 'The voucher is below the price.')
      return {
        chain: 'voucher',
        network,
        id: voucher.id,
        payer: voucher.payer,
        payTo,
        asset,
        amount,
        // Only the payer can sign its voucher: presenting it again is the payer asking.
        isPayer: async (payer) => payer === voucher.payer,
      }
    },
  }
  return scheme
}

/** A voucher of `amount` to `payTo`, signed by a fresh payer. */
function voucherFor(payTo: string, amount = price): string {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519')
  return signVoucher(
    {
      id: randomBytes(16).toString('hex'),
      payTo,
      amount: amount.toString(),
      payer: publicKey.export({ format: 'der', type: 'spki' }).toString('hex'),
    },
    privateKey,
  )
}
function signVoucher(voucher: Voucher, key: KeyObject): string {
  const body = Buffer.from(JSON.stringify(voucher))
  return `${body.toString('base64url')}.${sign(null, body, key).toString('base64url')}`
}

const quiet = { info() {}, warn() {}, error() {} }
const ledgers: Array<[string, () => Promise<{ ledger: Ledger; close(): Promise<void> }>]> = [
  ['memoryLedger', async () => ({ ledger: memoryLedger(), close: async () => {} })],
  [
    'the Redis+PostgreSQL ledger',
    async () => {
      await prepareDatabase()
      const ledger = redisPostgresLedger({
        redis: 'redis://127.0.0.1:6379',
        db: databaseUrl(),
        keyPrefix: `voucher-${randomBytes(4).toString('hex')}:`,
        logger: quiet,
      })
      return { ledger, close: async () => ledger.close?.() }
    },
  ],
]

for (const [name, makeLedger] of ledgers) {
  describe(`a payment scheme plugged in through the public interface, on ${name}`, function () {
    this.timeout(20_000)
    const payTo = `voucher-payee-${randomBytes(4).toString('hex')}`
    const scheme = voucherScheme(payTo)
    const runs = { slow: 0, fails: 0, post: 0, abandoned: 0 }
    let answeredLate = () => {}
    let release!: () => void
    let gate = new Promise<void>((resolve) => {
      release = resolve
    })
    let server: Server
    let url: string
    let closeLedger: () => Promise<void>

    before(async () => {
      const made = await makeLedger()
      closeLedger = made.close
      const paid = paymentRequired({
        price: '0.01',
        asset: 'USDC',
        chains: [scriptedChain().plugin],
        ledger: made.ledger,
        secret: randomBytes(32).toString('hex'),
        logger: quiet,
        schemes: [scheme],
      })
      const router = new Router()
      router.get('/slow', paid, async (ctx) => {
        runs.slow++
        await gate
        ctx.body = { payer: ctx.state.payment?.payer }
      })
      // Answers only once its client went away: the response can never be delivered.
      router.get('/abandoned', paid, async (ctx) => {
        runs.abandoned++
        await new Promise((resolve) => ctx.req.socket.once('close', resolve))
        ctx.body = { too: 'late' }
        answeredLate()
      })
      router.get('/fails', paid, () => {
        runs.fails++
        throw new Error('the route failed')
      })
      router.get('/ok', paid, (ctx) => {
        ctx.body = { ok: true }
      })
      router.post('/order', paid, (ctx) => {
        runs.post++
        ctx.body = { order: runs.post }
      })
      const app = new Koa()
      app.silent = true
      app.use(router.routes())
      server = app.listen(0, '127.0.0.1')
      await new Promise((resolve) => server.once('listening', resolve))
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    })
    after(async () => {
      await new Promise((resolve) => server.close(resolve))
      await closeLedger()
    })

    const call = (path: string, voucher?: string, method = 'GET') =>
      fetch(`${url}${path}`, { method, headers: voucher ? { [header]: voucher } : {} })
    // A commit lands once the response ended, a moment after the client read it: until then the
    // payment is in progress (409 with Retry-After), as docs/protocol.md section 6 says.
    const settled = async (path: string, voucher: string, method = 'GET') => {
      let response = await call(path, voucher, method)
      for (let i = 0; response.status === 409 && i < 100; i++) {
        await new Promise((resolve) => setTimeout(resolve, 20))
        response = await call(path, voucher, method)
      }
      return response
    }
    const receipt = (response: Response) =>
      decodeBase64Json<PaymentResponse>(response.headers.get('payment-response')!)

    it('offers its accepts entry in the 402 beside the chain’s', async () => {
      const response = await call('/ok')
      assert.equal(response.status, 402)
      const body = (await response.json()) as PaymentRequiredBody
      const entry = body.accepts.find((a) => a.network === network)
      assert.deepEqual([entry?.amount, entry?.payTo], [price.toString(), payTo])
      assert.equal(body.accepts.length, 2)
    })

    it('refuses a forged or short voucher with its own code, consuming nothing', async () => {
      const good = voucherFor(payTo)
      const [body] = good.split('.')
      const forged = `${body}.${voucherFor(payTo).split('.')[1]}`
      assert.equal((await call('/ok', forged)).status, 402)
      assert.equal((await call('/ok', voucherFor(payTo, price - 1n))).status, 402)
      assert.equal((await call('/ok', 'not-a-voucher')).status, 400)
      assert.equal((await call('/ok', good)).status, 200, 'the good one is still unspent')
    })

    it('claims a voucher once across concurrent requests, then re-delivers it to its payer', async () => {
      const voucher = voucherFor(payTo)
      const first = call('/slow', voucher)
      while (runs.slow === 0) await new Promise((resolve) => setTimeout(resolve, 5))
      const others = await Promise.all(Array.from({ length: 12 }, () => call('/slow', voucher)))
      for (const other of others) {
        assert.equal(other.status, 409)
        assert.equal(((await other.json()) as { error: string }).error, 'payment_in_progress')
      }
      release()
      const served = await first
      assert.equal(served.status, 200)
      assert.equal(receipt(served).redelivered, undefined)
      assert.equal(runs.slow, 1, 'the route ran once for one voucher')
      // The same voucher again, for the same resource: its response again, nothing charged.
      const again = await settled('/slow', voucher)
      assert.equal(again.status, 200)
      assert.equal(receipt(again).redelivered, true)
      // For another resource it is spent.
      const elsewhere = await call('/ok', voucher)
      assert.equal(elsewhere.status, 402)
      assert.equal(((await elsewhere.json()) as { error: string }).error, 'tx_already_used')
      gate = Promise.resolve()
    })

    it('settles on delivery: a route that fails consumes nothing, and the voucher pays later', async () => {
      const voucher = voucherFor(payTo)
      assert.equal((await call('/fails', voucher)).status, 500)
      assert.equal((await settled('/fails', voucher)).status, 500, 'released, so claimable again')
      assert.equal(runs.fails, 2)
      const served = await settled('/ok', voucher)
      assert.equal(served.status, 200)
      assert.equal(receipt(served).redelivered, undefined, 'a first delivery, not a re-delivery')
    })

    it('settles on delivery: a request whose client went away consumes nothing', async () => {
      const voucher = voucherFor(payTo)
      const late = new Promise<void>((resolve) => {
        answeredLate = resolve
      })
      const aborted = new AbortController()
      const pending = fetch(`${url}/abandoned`, {
        headers: { [header]: voucher },
        signal: aborted.signal,
      }).catch(() => 'aborted')
      while (runs.abandoned === 0) await new Promise((resolve) => setTimeout(resolve, 5))
      aborted.abort()
      assert.equal(await pending, 'aborted')
      await late
      // Released as the response ends: retry while the release lands.
      const served = await settled('/ok', voucher)
      assert.equal(served.status, 200, served.status === 200 ? '' : await served.text())
      assert.equal(receipt(served).redelivered, undefined, 'a first delivery, not a re-delivery')
    })

    it('replays a kept POST response to its payer without running the route again', async () => {
      const voucher = voucherFor(payTo)
      const first = await call('/order', voucher, 'POST')
      assert.equal(first.status, 200)
      const kept = await first.text()
      const again = await settled('/order', voucher, 'POST')
      assert.equal(again.status, 200)
      assert.equal(await again.text(), kept)
      assert.equal(receipt(again).redelivered, true)
      assert.equal(runs.post, 1)
    })
  })
}
