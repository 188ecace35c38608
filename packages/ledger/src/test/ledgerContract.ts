import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import {
  type Lease,
  type Ledger,
  LedgerUnavailableError,
  type PaymentKey,
  type PaymentRecord,
  paymentKey,
  samePayment,
} from '@tx402/core'

const network = 'eip155:8453'

/** A fresh payment no other test (or earlier run) has used. */
export function freshPayment(
  amount = 1_000_000n,
  parts: { txId?: string; payer?: string; payTo?: string } = {},
): { key: PaymentKey; record: PaymentRecord } {
  const txId = parts.txId ?? `0x${randomBytes(32).toString('hex')}`
  const payer = parts.payer ?? `0x${'11'.repeat(20)}`
  const payTo = parts.payTo ?? `0x${'22'.repeat(20)}`
  return {
    key: paymentKey({ network, txId, payTo, payer }),
    record: {
      network,
      txId,
      chain: 'base',
      payer,
      payTo,
      asset: `0x${'33'.repeat(20)}`,
      amount,
      resource: 'GET /api/weather',
      challengeId: 'ch_1',
    },
  }
}

/** One request's way through the ledger, as the engine takes it; true if it won the payment. */
export async function claimOnce(
  ledger: Ledger,
  key: PaymentKey,
  record: PaymentRecord,
  ttlMs = 30_000,
) {
  if (ledger.claim) {
    // The engine's way when the ledger offers it: one call.
    const taken = await ledger.claim(key, ttlMs, record)
    if (taken === 'consumed') return 'consumed'
    if (taken === 'in_progress') return 'locked'
    await ledger.commit(taken)
    return 'won'
  }
  if (await ledger.isConsumed(key)) return 'consumed'
  const lease = await ledger.acquire(key, ttlMs)
  if (!lease) return 'locked'
  const marked = await ledger.mark(lease, record)
  if (marked !== 'marked') {
    await ledger.release(lease)
    return marked
  }
  await ledger.commit(lease)
  return 'won'
}

/**
 * The behaviour every `Ledger` must have, run against each implementation. `getLedger` may hand
 * out one shared instance: every test uses payments of its own.
 */
export function describeLedgerContract(name: string, getLedger: () => Ledger | Promise<Ledger>) {
  describe(`Ledger contract: ${name}`, () => {
    let ledger: Ledger
    beforeEach(async () => {
      ledger = await getLedger()
    })

    it('claims in one call where offered: held, then consumed; a release makes it usable again', async function () {
      if (!ledger.claim) this.skip()
      const { key, record } = freshPayment()
      const first = await ledger.claim!(key, 30_000, record)
      assert.ok(typeof first === 'object', 'a fresh payment is claimed')
      assert.equal(await ledger.claim!(key, 30_000, record), 'in_progress')
      // Past the lock: the claim row alone still refuses a second lease.
      const rival = (await ledger.acquire(key, 30_000)) ?? {
        key,
        token: 'rival',
        expiresAt: Date.now() + 30_000,
      }
      assert.equal(await ledger.mark(rival, record), 'in_progress')
      await ledger.release(first)
      const second = await ledger.claim!(key, 30_000, record)
      assert.ok(typeof second === 'object', 'a released payment is usable again')
      await ledger.commit(second)
      assert.equal(await ledger.claim!(key, 30_000, record), 'consumed')
      assert.equal(await ledger.isConsumed(key), true)
    })

    it('does not count an unknown transaction as consumed', async () => {
      const { key } = freshPayment()
      assert.equal(await ledger.isConsumed(key), false)
    })

    it('keeps each payer and each payee of one transaction a payment of its own', async () => {
      const first = freshPayment()
      const { txId } = first.record
      const secondPayer = freshPayment(1_000_000n, { txId, payer: `0x${'44'.repeat(20)}` })
      const secondPayee = freshPayment(1_000_000n, { txId, payTo: `0x${'55'.repeat(20)}` })
      assert.equal(await claimOnce(ledger, first.key, first.record), 'won')
      assert.equal(await ledger.isConsumed(secondPayer.key), false)
      assert.equal(await claimOnce(ledger, secondPayer.key, secondPayer.record), 'won')
      assert.equal(await claimOnce(ledger, secondPayee.key, secondPayee.record), 'won')
      for (const { key, record } of [first, secondPayer, secondPayee]) {
        assert.equal(await claimOnce(ledger, key, record), 'consumed')
      }
    })

    it('grants one lease per transaction at a time, each with its own token', async () => {
      const a = freshPayment()
      const b = freshPayment()
      const before = Date.now()
      const lease = await ledger.acquire(a.key, 30_000)
      assert.ok(lease)
      assert.equal(lease.key, a.key)
      assert.ok(lease.expiresAt >= before + 30_000)
      assert.equal(await ledger.acquire(a.key, 30_000), undefined)
      const other = await ledger.acquire(b.key, 30_000)
      assert.ok(other, 'another transaction is not blocked')
      assert.notEqual(other.token, lease.token)
      await ledger.release(lease)
      await ledger.release(other)
    })

    it('consumes a transaction once its lease marks and commits', async () => {
      const { key, record } = freshPayment()
      const lease = (await ledger.acquire(key, 30_000))!
      assert.equal(await ledger.mark(lease, record), 'marked')
      assert.equal(await ledger.isConsumed(key), false, 'a claim is not yet consumed')
      await ledger.commit(lease)
      assert.equal(await ledger.isConsumed(key), true)
    })

    it('refuses a consumed transaction to every later request', async () => {
      const { key, record } = freshPayment()
      assert.equal(await claimOnce(ledger, key, record), 'won')
      assert.equal(await ledger.isConsumed(key), true)
      // Past the replay check (a request that raced it): acquire or mark must still refuse.
      const late = await ledger.acquire(key, 30_000)
      if (late) {
        assert.equal(await ledger.mark(late, record), 'consumed')
        await ledger.release(late)
      }
      assert.equal(await ledger.isConsumed(key), true, 'release never un-consumes')
    })

    it('leases no consumed transaction, even to a request that checked it just before the commit', async () => {
      const { key, record } = freshPayment()
      const winner = (await ledger.acquire(key, 30_000))!
      assert.equal(await ledger.mark(winner, record), 'marked')
      // A rival request passes the replay check while the winner still holds the claim…
      assert.equal(await ledger.isConsumed(key), false)
      await ledger.commit(winner)
      // …and must not get a lease (and so verify on chain again) once the winner committed.
      assert.equal(await ledger.acquire(key, 30_000), undefined)
    })

    it('answers in_progress to a lease marking a transaction another live lease claimed', async () => {
      const { key, record } = freshPayment()
      const lease = (await ledger.acquire(key, 30_000))!
      assert.equal(await ledger.mark(lease, record), 'marked')
      const rival: Lease = { key, token: 'rival', expiresAt: Date.now() + 30_000 }
      assert.equal(await ledger.mark(rival, record), 'in_progress')
      await ledger.release(rival)
      await ledger.commit(lease)
      assert.equal(await ledger.isConsumed(key), true, "a rival's release did not free the claim")
      assert.equal(await ledger.mark(rival, record), 'consumed')
    })

    it('lets the same lease mark twice', async () => {
      const { key, record } = freshPayment()
      const lease = (await ledger.acquire(key, 30_000))!
      assert.equal(await ledger.mark(lease, record), 'marked')
      assert.equal(await ledger.mark(lease, record), 'marked')
      await ledger.commit(lease)
      assert.equal(await ledger.isConsumed(key), true)
    })

    it('frees a released transaction for the next request, unconsumed', async () => {
      const { key, record } = freshPayment()
      const first = (await ledger.acquire(key, 30_000))!
      assert.equal(await ledger.mark(first, record), 'marked')
      await ledger.release(first)
      assert.equal(await ledger.isConsumed(key), false)
      const second = await ledger.acquire(key, 30_000)
      assert.ok(second, 'the lock was released')
      assert.equal(await ledger.mark(second, record), 'marked')
      await ledger.commit(second)
      assert.equal(await ledger.isConsumed(key), true)
    })

    it('accepts the same commit twice, as when the first reply was lost', async () => {
      const { key, record } = freshPayment()
      const lease = (await ledger.acquire(key, 30_000))!
      assert.equal(await ledger.mark(lease, record), 'marked')
      await ledger.commit(lease)
      await ledger.commit(lease)
      assert.equal(await ledger.isConsumed(key), true)
    })

    it('undoes a commit when the committing lease releases (its response was not served)', async () => {
      const { key, record } = freshPayment()
      const lease = (await ledger.acquire(key, 30_000))!
      assert.equal(await ledger.mark(lease, record), 'marked')
      await ledger.commit(lease)
      // Another request saw it consumed meanwhile (and a cache may now hold that)…
      assert.equal(await ledger.isConsumed(key), true)
      await ledger.release(lease)
      // …yet the payment is usable again, everywhere.
      assert.equal(await ledger.isConsumed(key), false)
      assert.equal(await claimOnce(ledger, key, record), 'won')
      const rival: Lease = { key, token: 'rival', expiresAt: Date.now() + 30_000 }
      await ledger.release(rival)
      assert.equal(await ledger.isConsumed(key), true, "another lease's release never un-consumes")
    })

    it('throws LedgerUnavailableError when committing a released or never-marked lease', async () => {
      const { key, record } = freshPayment()
      const unmarked = (await ledger.acquire(key, 30_000))!
      await assert.rejects(ledger.commit(unmarked), LedgerUnavailableError)
      await ledger.release(unmarked)
      const released = (await ledger.acquire(key, 30_000))!
      assert.equal(await ledger.mark(released, record), 'marked')
      await ledger.release(released)
      await assert.rejects(ledger.commit(released), LedgerUnavailableError)
      assert.equal(await ledger.isConsumed(key), false)
    })

    it('hands a lapsed claim to a new lease and stops the old one committing', async () => {
      const { key, record } = freshPayment()
      const stale = (await ledger.acquire(key, 100))!
      assert.equal(await ledger.mark(stale, record), 'marked')
      await sleep(300)
      const fresh = await ledger.acquire(key, 30_000)
      assert.ok(fresh, 'the lock lapsed with its TTL')
      assert.equal(await ledger.mark(fresh, record), 'marked')
      await assert.rejects(ledger.commit(stale), LedgerUnavailableError)
      await ledger.release(stale)
      await ledger.commit(fresh)
      assert.equal(await ledger.isConsumed(key), true)
    })

    it('lets exactly one of 50 concurrent requests win a transaction', async () => {
      const { key, record } = freshPayment()
      const results = await Promise.all(
        Array.from({ length: 50 }, () => claimOnce(ledger, key, record)),
      )
      assert.equal(results.filter((r) => r === 'won').length, 1, results.join(','))
      assert.equal(await ledger.isConsumed(key), true)
    })

    it('lets exactly one of 20 concurrent marks win, even past the in-flight lock', async () => {
      const { key, record } = freshPayment()
      const leases = Array.from({ length: 20 }, (_, i) => ({
        key,
        token: `direct-${i}`,
        expiresAt: Date.now() + 30_000,
      }))
      const results = await Promise.all(leases.map((lease) => ledger.mark(lease, record)))
      assert.equal(results.filter((r) => r === 'marked').length, 1, results.join(','))
      assert.equal(results.filter((r) => r === 'in_progress').length, 19)
    })

    it('keeps a renewed claim past its TTL, and refuses it to every other lease meanwhile', async () => {
      const { key, record } = freshPayment()
      const lease = (await ledger.acquire(key, 300))!
      assert.equal(await ledger.mark(lease, record), 'marked')
      for (let i = 0; i < 4; i++) {
        await sleep(150)
        assert.equal(await ledger.renew(lease, 300), true)
        assert.ok(lease.expiresAt >= Date.now() + 250, 'renew moves expiresAt')
        assert.equal(await ledger.acquire(key, 300), undefined, 'still held')
        const rival: Lease = { key, token: `rival-${i}`, expiresAt: Date.now() + 300 }
        assert.equal(await ledger.mark(rival, record), 'in_progress')
      }
      const { released } = await ledger.reconcile()
      assert.ok(!released.includes(key), 'a live claim is not reconciled')
      await ledger.commit(lease)
      assert.equal(await ledger.isConsumed(key), true)
      assert.equal(
        await ledger.renew(lease, 300),
        false,
        'a consumed payment has no claim to renew',
      )
    })

    it('renews a lease before its mark, and reports a lease that lost its claim', async () => {
      const { key, record } = freshPayment()
      const early = (await ledger.acquire(key, 30_000))!
      assert.equal(await ledger.renew(early, 30_000), true)
      await ledger.release(early)
      const stale = (await ledger.acquire(key, 100))!
      assert.equal(await ledger.mark(stale, record), 'marked')
      await sleep(300)
      const fresh = (await ledger.acquire(key, 30_000))!
      assert.equal(await ledger.mark(fresh, record), 'marked')
      assert.equal(await ledger.renew(stale, 30_000), false)
      await ledger.release(fresh)
    })

    it('keeps the response given at commit, and finds the delivered payment with it', async () => {
      const { key, record } = freshPayment()
      const body = new Uint8Array([0, 1, 2, 250, 255, 10, 13])
      const lease = (await ledger.acquire(key, 30_000))!
      assert.equal(await ledger.mark(lease, record), 'marked')
      assert.equal(await ledger.findDelivered(key), undefined, 'a claim is not delivered')
      const before = Date.now()
      const response = {
        status: 201,
        headers: { 'content-type': 'application/octet-stream', 'set-cookie': ['a=1', 'b=2'] },
        body,
      }
      await ledger.commit(lease, response)
      await ledger.commit(lease, response)
      const found = await ledger.findDelivered(key)
      assert.ok(found)
      assert.equal(found.payer, record.payer)
      assert.equal(found.resource, record.resource)
      assert.equal(found.challengeId, record.challengeId)
      assert.equal(found.amount, record.amount)
      assert.ok(Math.abs(found.deliveredAt - before) < 5_000, `deliveredAt ${found.deliveredAt}`)
      assert.deepEqual(found.response?.headers, response.headers)
      assert.equal(found.response?.status, 201)
      assert.deepEqual([...found.response!.body], [...body])
      const plain = freshPayment()
      assert.equal(await claimOnce(ledger, plain.key, plain.record), 'won')
      assert.equal((await ledger.findDelivered(plain.key))?.response, undefined)
    })

    it('counts re-deliveries of a committed payment up to the bound, even when asked at once', async () => {
      const { key, record } = freshPayment()
      assert.equal(await ledger.countRedelivery(key, 3), false, 'nothing committed yet')
      const lease = (await ledger.acquire(key, 30_000))!
      assert.equal(await ledger.mark(lease, record), 'marked')
      assert.equal(await ledger.countRedelivery(key, 3), false, 'a claim is not delivered')
      await ledger.commit(lease)
      const counted = await Promise.all(
        Array.from({ length: 8 }, () => ledger.countRedelivery(key, 3)),
      )
      assert.equal(counted.filter(Boolean).length, 3, 'three of eight concurrent asks counted')
      assert.equal(await ledger.countRedelivery(key, 3), false, 'the bound holds after')
      assert.equal(await ledger.countRedelivery(key, 0), false, 'a bound of 0 counts none')
    })

    it('reconciles a lapsed claim (its holder died) into a usable payment, and says so', async () => {
      const dead = freshPayment()
      const lease = (await ledger.acquire(dead.key, 100))!
      assert.equal(await ledger.mark(lease, dead.record), 'marked')
      const consumed = freshPayment()
      assert.equal(await claimOnce(ledger, consumed.key, consumed.record), 'won')
      await sleep(300)
      const { released } = await ledger.reconcile()
      assert.ok(
        released.some((key) => samePayment(key, dead.key)),
        JSON.stringify(released),
      )
      assert.ok(!released.some((key) => samePayment(key, consumed.key)))
      assert.equal(await ledger.isConsumed(dead.key), false)
      assert.equal(await ledger.isConsumed(consumed.key), true)
      assert.equal(await claimOnce(ledger, dead.key, dead.record), 'won')
      assert.ok(!(await ledger.reconcile()).released.includes(dead.key))
    })
  })
}
