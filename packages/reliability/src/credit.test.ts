import assert from 'node:assert/strict'
import { createHmac, randomBytes } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { decodeBase64Json, type Ledger, type PaymentCredit } from '@tx402/core'
import { describeWithServices } from '@tx402/testing/services'
import { Redis } from 'ioredis'
import {
  type AnvilCredit,
  listenCreditApp,
  payFor,
  startAnvilCredit,
} from './test/credit/anvilCredit.js'
import { countCalls } from './test/credit/countCalls.js'
import { assertSettledTo, creditRemaining } from './test/credit/creditBalance.js'
import { bothLedgers } from './test/ledgersUnderTest.js'

// Prepaid credit over real HTTP, paid on anvil, on both real ledgers (docs/protocol.md section 7).
const secret = 'credit-suite-secret-at-least-32-bytes!!'
const redisUrl = 'redis://127.0.0.1:6379'
const ledgers = bothLedgers(`tx402credit:${randomBytes(4).toString('hex')}:`)
const pack = 110_000n // 0.11 USDC: this request, then 10 at 0.01
const errorOf = async (response: Response) => ((await response.json()) as { error?: string }).error
// As a payer does (docs/protocol.md 7.3): a spend that overtakes its purchase's commit is told
// 409 payment_in_progress, and is sent again after Retry-After.
const spend = async (url: string, token: string, headers: Record<string, string> = {}) => {
  for (let attempt = 1; ; attempt++) {
    const response = await fetch(url, { headers: { 'x-payment-credit': token, ...headers } })
    if (response.status !== 409 || attempt === 5) return response
    await response.arrayBuffer()
    await sleep(Number(response.headers.get('retry-after') ?? 1) * 1000)
  }
}
const creditOf = (response: Response) =>
  decodeBase64Json<PaymentCredit>(response.headers.get('payment-credit')!)

for (const kind of ledgers) {
  describeWithServices(`prepaid credit paid on anvil, on ${kind.name}`, kind.services, function () {
    this.timeout(120_000)
    let lab: AnvilCredit
    let ledger: Ledger & { close(): Promise<void> }
    let app: Awaited<ReturnType<typeof listenCreditApp>>
    const balanceOf = (token: string) => creditRemaining(ledger, token)
    const settled = (token: string, remaining: bigint) => assertSettledTo(ledger, token, remaining)

    before(async () => {
      lab = await startAnvilCredit()
      ledger = await kind.make()
      await ledger.ready?.()
      app = await listenCreditApp({ chain: lab.chain(), ledger, secret })
    })
    after(async () => {
      await app?.close()
      await ledger?.close()
      await lab?.close()
    })

    it('sells a pack: the payment pays its request and opens the rest as credit', async () => {
      const offered = (await (await fetch(app.url)).json()) as { accepts: { credit?: object }[] }
      assert.deepEqual(offered.accepts[0]!.credit, {
        packs: ['110000', '1000000'],
        expiresInSeconds: 3600,
        scope: 'default',
      })
      const { response, credit } = await payFor(lab, app.url, pack)
      assert.equal(response.status, 200)
      assert.ok(response.headers.get('payment-response'))
      assert.equal(credit?.remaining, '100000')
      assert.equal(credit?.charged, '0')
      assert.equal(credit?.asset, lab.token)
      await settled(credit!.token, 100_000n)
    })

    it('serves exactly 10 requests from it with no RPC call, then credit_exhausted', async () => {
      const { credit } = await payFor(lab, app.url, pack)
      await settled(credit!.token, 100_000n)
      const rpcBefore = lab.rpcCalls
      for (let i = 0; i < 10; i++) {
        const response = await spend(app.url, credit!.token)
        assert.equal(response.status, 200)
        assert.equal(creditOf(response).remaining, String(90_000 - i * 10_000))
        assert.equal(((await response.json()) as { credit: string }).credit, 'spent')
      }
      const exhausted = await spend(app.url, credit!.token)
      assert.equal(exhausted.status, 402)
      const body = (await exhausted.json()) as {
        error: string
        challenge: object
        accepts: unknown[]
      }
      assert.equal(body.error, 'credit_exhausted')
      assert.ok(body.challenge && body.accepts.length === 1)
      assert.equal(lab.rpcCalls, rpcBefore, 'no RPC call to spend credit')
    })

    it('refuses forged and altered tokens with no RPC and no ledger call; an unknown one after one lookup', async () => {
      const { credit } = await payFor(lab, app.url, pack)
      const [tag, body, signature] = credit!.token.split('.') as [string, string, string]
      const other = `${body.slice(0, -2)}${body.endsWith('A') ? 'B' : 'A'}${body.slice(-1)}`
      const counted = countCalls(ledger)
      const rpcBefore = lab.rpcCalls
      for (const token of [`${tag}.${other}.${signature}`, `${tag}.${body}.${'A'.repeat(43)}`]) {
        const refused = await spend(app.url, token)
        assert.equal(refused.status, 402)
        assert.equal(await errorOf(refused), 'credit_invalid')
      }
      assert.deepEqual(counted.calls(), [])
      // Signed with the server's secret, naming a balance that does not exist: one lookup.
      const named = JSON.parse(Buffer.from(body, 'base64url').toString()) as string[]
      named[0] = randomBytes(16).toString('hex')
      const unknownBody = Buffer.from(JSON.stringify(named)).toString('base64url')
      const mac = createHmac('sha256', secret).update(`k1.${unknownBody}`).digest('base64url')
      const unknown = await spend(app.url, `k1.${unknownBody}.${mac}`)
      assert.equal(await errorOf(unknown), 'credit_invalid')
      assert.deepEqual(counted.calls(), ['credit.reserve'])
      assert.equal(lab.rpcCalls, rpcBefore)
      counted.stop()
    })

    it('tops up the same balance with a payment presented with its token', async () => {
      const { credit } = await payFor(lab, app.url, pack)
      assert.equal((await spend(app.url, credit!.token)).status, 200)
      await settled(credit!.token, 90_000n)
      const topUp = await payFor(lab, app.url, pack, { token: credit!.token })
      assert.equal(topUp.response.status, 200)
      assert.equal(topUp.credit?.remaining, '190000')
      await settled(credit!.token, 190_000n)
      // Another payer's payment cannot top it up: refused before anything is consumed.
      const stranger = await payFor(lab, app.url, pack, { account: 2, token: credit!.token })
      assert.equal(stranger.response.status, 402)
      assert.equal(await errorOf(stranger.response), 'credit_invalid')
      await settled(credit!.token, 190_000n)
    })

    it('gives the credit back for a throw, a status of 400 or more, a broken stream, a client gone', async () => {
      const { credit } = await payFor(lab, app.url, pack)
      await settled(credit!.token, 100_000n)
      for (const fail of ['throw', 'status', 'stream']) {
        const response = await spend(app.url, credit!.token, { 'x-fail': fail })
        await response.arrayBuffer().catch(() => undefined)
        await settled(credit!.token, 100_000n)
      }
      // The client gives up while the handler runs: the reservation is given back.
      const gone = new AbortController()
      const abandoned = fetch(app.url.replace('credit', 'credit-slow'), {
        headers: { 'x-payment-credit': credit!.token, 'x-wait-ms': '400' },
        signal: gone.signal,
      }).catch(() => 'aborted')
      await settled(credit!.token, 90_000n) // reserved while the handler runs
      gone.abort()
      assert.equal(await abandoned, 'aborted')
      await settled(credit!.token, 100_000n)
    })

    it('keeps the reservation of a handler that runs 3x the claim TTL, through a reconcile', async () => {
      const slow = await listenCreditApp({ chain: lab.chain(), ledger, secret, claimTtlMs: 300 })
      try {
        const { credit } = await payFor(lab, slow.url, pack)
        await settled(credit!.token, 100_000n)
        const running = fetch(slow.url.replace('credit', 'credit-slow'), {
          headers: { 'x-payment-credit': credit!.token, 'x-wait-ms': '900' },
        })
        await sleep(600) // two TTLs: lapsed unless renewed
        await ledger.reconcile()
        assert.equal(await balanceOf(credit!.token), 90_000n, 'still reserved')
        const answered = await running
        assert.equal(answered.status, 200)
        await answered.arrayBuffer()
        await sleep(100)
        await settled(credit!.token, 90_000n)
      } finally {
        await slow.close()
      }
    })

    it('refuses an expired balance with credit_expired', async () => {
      const shortLived = await listenCreditApp({
        chain: lab.chain(),
        ledger,
        secret,
        expiresInSeconds: 1,
      })
      try {
        const { credit } = await payFor(lab, shortLived.url, pack)
        assert.ok(credit?.expiresAt)
        await sleep(Math.max(0, Date.parse(credit!.expiresAt!) - Date.now()) + 100)
        const expired = await spend(shortLived.url, credit!.token)
        assert.equal(expired.status, 402)
        assert.equal(await errorOf(expired), 'credit_expired')
      } finally {
        await shortLived.close()
      }
    })

    if (kind.name.startsWith('Redis')) {
      it('never over-spends while Redis is flushed during spending', async () => {
        const { credit } = await payFor(lab, app.url, pack)
        await settled(credit!.token, 100_000n)
        const redis = new Redis(redisUrl)
        try {
          const spends = Array.from({ length: 30 }, (_, i) =>
            sleep(i * 3).then(() => spend(app.url, credit!.token)),
          )
          await sleep(20)
          await redis.flushall()
          const answers = await Promise.all(spends)
          const served = answers.filter((r) => r.status === 200).length
          const statuses = new Set(answers.map((r) => r.status))
          for (const r of answers) await r.arrayBuffer()
          assert.ok(served <= 10, `served ${served} from a balance of 10`)
          assert.ok([...statuses].every((s) => s === 200 || s === 402 || s === 503))
          const left = BigInt(10 - served) * 10_000n
          await settled(credit!.token, left)
        } finally {
          redis.disconnect()
        }
      })
    }
  })
}
