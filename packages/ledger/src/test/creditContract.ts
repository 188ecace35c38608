import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import type { CreditGrant, CreditLedger, Lease, Ledger, PaymentRecord } from '@tx402/core'
import { freshPayment } from './ledgerContract.js'

type CreditedLedger = Ledger & { readonly credit: CreditLedger }

/** A grant of `amount` from `record`'s payer into `balanceId` (a fresh one by default). */
export function grantOf(
  record: PaymentRecord,
  amount: bigint,
  parts: Partial<CreditGrant> = {},
): CreditGrant {
  return {
    balanceId: randomBytes(16).toString('hex'),
    scope: 'weather',
    network: record.network,
    asset: record.asset,
    payer: record.payer,
    amount,
    ...parts,
  }
}

/** A payment that marks with `grant`, committed (unless `commit` is false); its lease. */
export async function buy(
  ledger: Ledger,
  amount: bigint,
  parts: Partial<CreditGrant> = {},
  commit = true,
  payment: Parameters<typeof freshPayment>[1] = {},
): Promise<{ lease: Lease; grant: CreditGrant }> {
  const { key, record } = freshPayment(1_000_000n, payment)
  const grant = grantOf(record, amount, parts)
  const lease = (await ledger.acquire(key, 30_000))!
  assert.equal(await ledger.mark(lease, { ...record, credit: grant }), 'marked')
  if (commit) await ledger.commit(lease)
  return { lease, grant }
}

/** The payee `freshPayment` pays by default, and so the one `buy`'s balances are opened at. */
export const payee = `0x${'22'.repeat(20)}`

/** What a spend of `amount` from `grant`'s balance (opened by a payment to `payee`) asks for. */
export const spendOf = (grant: CreditGrant, amount: bigint, ttlMs = 30_000) => ({
  balanceId: grant.balanceId,
  scope: grant.scope,
  network: grant.network,
  asset: grant.asset,
  payTo: payee,
  amount,
  ttlMs,
})

const remaining = async (ledger: CreditedLedger, id: string) =>
  (await ledger.credit.find(id))?.remaining

/** The credit behaviour every ledger must have (docs/protocol.md section 7). */
export function describeCreditContract(
  name: string,
  getLedger: () => CreditedLedger | Promise<CreditedLedger>,
) {
  describe(`Credit contract: ${name}`, () => {
    let ledger: CreditedLedger
    beforeEach(async () => {
      ledger = await getLedger()
    })

    it('opens the balance only when the payment commits, once however often the commit is retried', async () => {
      const { lease, grant } = await buy(ledger, 1_000n, {}, false)
      assert.equal(await ledger.credit.find(grant.balanceId), undefined, 'a claim grants nothing')
      await ledger.commit(lease)
      await ledger.commit(lease) // the retry after a lost reply
      const balance = await ledger.credit.find(grant.balanceId)
      assert.deepEqual(balance, {
        id: grant.balanceId,
        scope: 'weather',
        network: grant.network,
        asset: grant.asset,
        payer: grant.payer,
        payTo: payee,
        remaining: 1_000n,
        expiresAt: undefined,
      })
    })

    it('grants once when two commits of one lease race (a retry while the first is in flight)', async () => {
      const { lease, grant } = await buy(ledger, 1_000n, {}, false)
      await Promise.all([ledger.commit(lease), ledger.commit(lease), ledger.commit(lease)])
      assert.equal(await remaining(ledger, grant.balanceId), 1_000n)
      // Top-ups make a double grant visible; several rounds, as the window is narrow.
      for (let round = 1n; round <= 10n; round++) {
        const topUp = await buy(ledger, 5n, { ...grant, amount: 5n }, false)
        await Promise.all(Array.from({ length: 6 }, () => ledger.commit(topUp.lease)))
        assert.equal(await remaining(ledger, grant.balanceId), 1_000n + 5n * round)
      }
    })

    it('answers a spend of a balance whose purchase is claimed but not yet committed pending, then reserves', async () => {
      // The payer reads its token from the response before the commit lands (it lands once the
      // response was delivered): a quick spend must wait, never be told the token is unknown.
      const { lease, grant } = await buy(ledger, 1_000n, {}, false)
      assert.deepEqual(await ledger.credit.reserve(spendOf(grant, 10n)), { status: 'pending' })
      await ledger.commit(lease)
      assert.equal((await ledger.credit.reserve(spendOf(grant, 10n))).status, 'reserved')
      const released = await buy(ledger, 1_000n, {}, false)
      await ledger.release(released.lease)
      assert.deepEqual(await ledger.credit.reserve(spendOf(released.grant, 10n)), {
        status: 'unknown',
      })
    })

    it('commits a purchase whose claim lapsed at the first spend of its balance; reconcile leaves it for that spend', async () => {
      // The process died between the response (which carried the token) and the commit
      // (docs/protocol.md 6.1): its claim lapses, and the token's first spend commits it.
      const { key, record } = freshPayment(1_000_000n)
      const grant = grantOf(record, 1_000n)
      const lease = (await ledger.acquire(key, 300))!
      assert.equal(await ledger.mark(lease, { ...record, credit: grant }), 'marked')
      assert.deepEqual(await ledger.credit.reserve(spendOf(grant, 10n)), { status: 'pending' })
      await sleep(400)
      const { released } = await ledger.reconcile()
      assert.ok(!released.some((k) => k.txId === key.txId), 'reconcile leaves it for its token')
      const spent = await ledger.credit.reserve(spendOf(grant, 10n))
      assert.equal(spent.status, 'reserved')
      assert.equal(await remaining(ledger, grant.balanceId), 990n)
      assert.equal(await ledger.isConsumed(key), true, 'the purchase is committed')
      // Committed once: another spend does not grant it again; the dead holder's late commit is
      // a no-op that succeeds.
      await ledger.commit(lease)
      assert.equal((await ledger.credit.reserve(spendOf(grant, 10n))).status, 'reserved')
      assert.equal(await remaining(ledger, grant.balanceId), 980n)
      // A lapsed top-up proves nothing by its (older) token: reconcile releases it as before.
      const topUp = freshPayment(1_000_000n)
      const added = (await ledger.acquire(topUp.key, 300))!
      const more = { ...grant, amount: 5n }
      assert.equal(await ledger.mark(added, { ...topUp.record, credit: more }), 'marked')
      await sleep(400)
      assert.equal((await ledger.credit.reserve(spendOf(grant, 10n))).status, 'reserved')
      assert.equal(await remaining(ledger, grant.balanceId), 970n)
      const after = await ledger.reconcile()
      assert.ok(after.released.some((k) => k.txId === topUp.key.txId))
    })

    it('grants nothing for a payment released before its commit', async () => {
      const { lease, grant } = await buy(ledger, 1_000n, {}, false)
      await ledger.release(lease)
      assert.equal(await ledger.credit.find(grant.balanceId), undefined)
    })

    it('takes the grant back when a release undoes the commit, once', async () => {
      const opened = await buy(ledger, 1_000n)
      await ledger.release(opened.lease)
      await ledger.release(opened.lease)
      assert.equal(
        await ledger.credit.find(opened.grant.balanceId),
        undefined,
        'the new balance is gone',
      )

      const base = await buy(ledger, 1_000n)
      const topUp = await buy(ledger, 500n, { ...base.grant, amount: 500n })
      assert.equal(await remaining(ledger, base.grant.balanceId), 1_500n)
      await ledger.release(topUp.lease)
      await ledger.release(topUp.lease)
      assert.equal(await remaining(ledger, base.grant.balanceId), 1_000n)
    })

    it('never lets taking back a grant push a balance below 0', async () => {
      const base = await buy(ledger, 100n)
      const topUp = await buy(ledger, 500n, { ...base.grant, amount: 500n })
      const spent = await ledger.credit.reserve(spendOf(base.grant, 550n))
      assert.equal(spent.status, 'reserved')
      await ledger.release(topUp.lease)
      assert.equal(await remaining(ledger, base.grant.balanceId), 0n)
    })

    it('tops up only a live balance of the same scope, network, asset and payer', async () => {
      const base = await buy(ledger, 1_000n)
      await buy(ledger, 1n, { ...base.grant, scope: 'other', amount: 1n })
      assert.equal(
        await remaining(ledger, base.grant.balanceId),
        1_000n,
        'another scope is not mixed in',
      )
      await buy(ledger, 7n, { ...base.grant, amount: 7n, expiresAt: Date.now() + 1 })
      assert.equal(await remaining(ledger, base.grant.balanceId), 1_007n)
      assert.equal(
        (await ledger.credit.find(base.grant.balanceId))?.expiresAt,
        undefined,
        'a top-up keeps the expiry',
      )
    })

    it('keeps a balance to the payee its opening payment paid: no spend or top-up at another', async () => {
      const base = await buy(ledger, 1_000n)
      const elsewhere = `0x${'44'.repeat(20)}`
      const spend = await ledger.credit.reserve({ ...spendOf(base.grant, 1n), payTo: elsewhere })
      assert.deepEqual(spend, { status: 'unknown' }, 'a route paying another payee spends nothing')
      const topUp = await buy(ledger, 7n, { ...base.grant, amount: 7n }, true, { payTo: elsewhere })
      assert.equal(
        await remaining(ledger, base.grant.balanceId),
        1_000n,
        'a payment to B adds nothing',
      )
      assert.equal(await ledger.credit.find(base.grant.balanceId).then((b) => b?.payTo), payee)
      await ledger.release(topUp.lease) // undoing the commit that added nothing takes nothing
      assert.equal(await remaining(ledger, base.grant.balanceId), 1_000n)
    })

    it("moves the expiry to a top-up grant's when later, never earlier (what it adds lasts a full term)", async () => {
      const soon = Date.now() + 60_000
      const base = await buy(ledger, 1_000n, { expiresAt: soon })
      const later = soon + 3_600_000
      await buy(ledger, 5n, { ...base.grant, amount: 5n, expiresAt: later })
      const expiryOf = async () => (await ledger.credit.find(base.grant.balanceId))?.expiresAt
      assert.equal(await expiryOf(), later)
      await buy(ledger, 5n, { ...base.grant, amount: 5n, expiresAt: soon })
      assert.equal(await expiryOf(), later, 'an earlier one does not shorten it')
      assert.equal(await remaining(ledger, base.grant.balanceId), 1_010n)
    })

    it('keeps a top-up that lands after its balance expired, without what had expired', async () => {
      const base = await buy(ledger, 1_000n, { expiresAt: Date.now() + 50 })
      const later = Date.now() + 3_600_000
      const topUp = await buy(ledger, 5n, { ...base.grant, amount: 5n, expiresAt: later }, false)
      await sleep(100) // the balance expires while the top-up's request is served
      await ledger.commit(topUp.lease)
      assert.equal(await remaining(ledger, base.grant.balanceId), 5n, 'the top-up, not lost')
      assert.equal((await ledger.credit.find(base.grant.balanceId))?.expiresAt, later)
      const spent = await ledger.credit.reserve(spendOf(base.grant, 5n))
      assert.equal(spent.status, 'reserved')
    })

    it('refuses at mark a grant naming another payer or network than the payment', async () => {
      const { key, record } = freshPayment()
      const lease = (await ledger.acquire(key, 30_000))!
      const credit = grantOf(record, 10n, { payer: `0x${'99'.repeat(20)}` })
      await assert.rejects(ledger.mark(lease, { ...record, credit }), RangeError)
      await ledger.release(lease)
    })

    it('reserves, commits and releases: a release gives the amount back once', async () => {
      const { grant } = await buy(ledger, 100n)
      const a = await ledger.credit.reserve(spendOf(grant, 30n))
      assert.equal(a.status, 'reserved')
      assert.equal(a.status === 'reserved' && a.remaining, 70n)
      const b = await ledger.credit.reserve(spendOf(grant, 30n))
      assert.ok(a.status === 'reserved' && b.status === 'reserved')
      assert.notEqual(a.spend.token, b.spend.token)
      await ledger.credit.commit(a.spend)
      await ledger.credit.commit(a.spend) // idempotent
      await ledger.credit.release(b.spend)
      await ledger.credit.release(b.spend)
      assert.equal(await remaining(ledger, grant.balanceId), 70n)
      assert.equal(await ledger.credit.renew(b.spend, 30_000), false, 'a released spend is gone')
      await assert.rejects(ledger.credit.commit(b.spend))
    })

    it('undoes its own commit on release (a commit whose reply was lost, answered 503)', async () => {
      const { grant } = await buy(ledger, 100n)
      const a = await ledger.credit.reserve(spendOf(grant, 40n))
      assert.ok(a.status === 'reserved')
      await ledger.credit.commit(a.spend)
      await ledger.credit.release(a.spend)
      await ledger.credit.release(a.spend)
      assert.equal(await remaining(ledger, grant.balanceId), 100n)
    })

    it('throws RangeError for a reserve of no positive bigint amount or no positive ttlMs, holding nothing', async () => {
      const { grant } = await buy(ledger, 10n)
      const amounts = [0n, -1n, 1 as unknown as bigint]
      for (const amount of amounts) {
        await assert.rejects(ledger.credit.reserve(spendOf(grant, amount)), RangeError)
      }
      for (const ttlMs of [0, -5, Number.NaN, Number.POSITIVE_INFINITY]) {
        await assert.rejects(ledger.credit.reserve(spendOf(grant, 1n, ttlMs)), RangeError)
      }
      assert.equal(await remaining(ledger, grant.balanceId), 10n)
    })

    it('says why it refuses: unknown, exhausted, expired', async () => {
      const { grant } = await buy(ledger, 10n)
      assert.deepEqual(await ledger.credit.reserve(spendOf(grant, 11n)), {
        status: 'exhausted',
        remaining: 10n,
        expiresAt: undefined,
      })
      const unknown = await ledger.credit.reserve({
        ...spendOf(grant, 1n),
        balanceId: 'ab'.repeat(16),
      })
      assert.deepEqual(unknown, { status: 'unknown' })
      assert.deepEqual(await ledger.credit.reserve({ ...spendOf(grant, 1n), scope: 'other' }), {
        status: 'unknown',
      })
      assert.deepEqual(await ledger.credit.reserve({ ...spendOf(grant, 1n), asset: 'native' }), {
        status: 'unknown',
      })

      const expiresAt = Date.now() + 600
      const short = await buy(ledger, 10n, { expiresAt })
      const live = await ledger.credit.reserve(spendOf(short.grant, 1n))
      assert.equal(live.status, 'reserved')
      await sleep(800)
      const late = await ledger.credit.reserve(spendOf(short.grant, 1n))
      assert.equal(late.status, 'expired')
      assert.equal(late.status === 'expired' && Math.abs(late.expiresAt - expiresAt) < 2, true)
    })

    it('serves exactly 10 of 100 concurrent reserves on a balance worth 10', async () => {
      const { grant } = await buy(ledger, 10n)
      const results = await Promise.all(
        Array.from({ length: 100 }, () => ledger.credit.reserve(spendOf(grant, 1n))),
      )
      assert.equal(results.filter((r) => r.status === 'reserved').length, 10)
      assert.equal(results.filter((r) => r.status === 'exhausted').length, 90)
      assert.equal(await remaining(ledger, grant.balanceId), 0n)
    })

    it('serves concurrent spends of mixed sizes in arrival order, each only if what is left covers it', async () => {
      const { grant } = await buy(ledger, 10n)
      // 4 is taken (6 left), 7 is not, 3 is (3 left), 5 is not, 2 is (1 left), 1 is (0 left);
      // a spend of another scope in the middle is unknown and takes nothing from the others.
      const asked = [4n, 7n, 3n, 0n, 5n, 2n, 1n]
      const results = await Promise.all(
        asked.map((amount) =>
          ledger.credit.reserve(
            amount === 0n ? { ...spendOf(grant, 1n), scope: 'other' } : spendOf(grant, amount),
          ),
        ),
      )
      assert.deepEqual(
        results.map((r) =>
          r.status === 'reserved' || r.status === 'exhausted'
            ? `${r.status} ${r.remaining}`
            : r.status,
        ),
        [
          'reserved 6',
          'exhausted 6',
          'reserved 3',
          'unknown',
          'exhausted 3',
          'reserved 1',
          'reserved 0',
        ],
      )
      assert.equal(await remaining(ledger, grant.balanceId), 0n)
      const taken = results.flatMap((r) => (r.status === 'reserved' ? [r.spend] : []))
      assert.deepEqual(
        taken.map((spend) => spend.amount),
        [4n, 3n, 2n, 1n],
      )
      assert.equal(new Set(taken.map((spend) => spend.token)).size, 4, 'a token each')
      // Each spend is its own: one committed, the others given back one by one.
      await Promise.all([
        ledger.credit.commit(taken[0]!),
        ...taken.slice(1).map((spend) => ledger.credit.release(spend)),
      ])
      assert.equal(await remaining(ledger, grant.balanceId), 6n)
    })

    it('renews a reservation, and reconcile gives back one that lapsed, once', async () => {
      const { grant } = await buy(ledger, 10n)
      const kept = await ledger.credit.reserve(spendOf(grant, 3n, 300))
      const lapsing = await ledger.credit.reserve(spendOf(grant, 4n, 300))
      assert.ok(kept.status === 'reserved' && lapsing.status === 'reserved')
      const before = kept.spend.expiresAt
      assert.equal(await ledger.credit.renew(kept.spend, 30_000), true)
      assert.ok(kept.spend.expiresAt > before + 20_000)
      await sleep(500)
      const { creditReturned } = await ledger.reconcile()
      assert.ok(creditReturned?.includes(lapsing.spend.token))
      assert.ok(!creditReturned?.includes(kept.spend.token))
      assert.equal(await remaining(ledger, grant.balanceId), 7n)
      await ledger.credit.release(lapsing.spend) // a late release gives nothing twice
      assert.equal(await remaining(ledger, grant.balanceId), 7n)
      assert.equal(await ledger.credit.renew(lapsing.spend, 30_000), false)
      await assert.rejects(
        ledger.credit.commit(lapsing.spend),
        'a returned reservation cannot commit',
      )
      await ledger.credit.commit(kept.spend)
      assert.equal((await ledger.reconcile()).creditReturned?.includes(kept.spend.token), false)
    })
  })
}
