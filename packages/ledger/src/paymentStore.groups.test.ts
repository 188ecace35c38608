import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { PGlite } from '@electric-sql/pglite'
import {
  type Lease,
  LedgerUnavailableError,
  type PaymentDetails,
  type PaymentKey,
} from '@tx402/core'
import { describeWithServices, type TestService } from '@tx402/testing/services'
import { Kysely, sql } from 'kysely'
import { migrate } from './migrate.js'
import { claimStatement } from './paymentStatements.js'
import { paymentStore } from './paymentStore.js'
import { pgliteDialect } from './pgliteDialect.js'
import { creditBalance } from './readCredit.js'
import { type LedgerDatabase, paymentsTable } from './schema.js'
import { grantOf } from './test/creditContract.js'
import { freshPayment } from './test/ledgerContract.js'
import { countingDb, prepareTestDatabase } from './test/postgres.js'

const leaseOf = (key: PaymentKey): Lease => ({
  key,
  token: randomBytes(16).toString('hex'),
  expiresAt: Date.now() + 60_000,
})

const paymentOf = () => {
  const { key, record } = freshPayment()
  return { lease: leaseOf(key), details: record as PaymentDetails }
}

// Group commit (paymentStore.ts): claims or commits made while two groups already run go as one
// statement. The first two calls of a turn run alone; the calls after them wait and form one group.
function describeGroups(
  name: string,
  services: readonly TestService[],
  open: () => Promise<{ db: Kysely<LedgerDatabase>; statements(): number; close(): Promise<void> }>,
) {
  describeWithServices(`paymentStore groups on ${name}`, services, () => {
    let db: Kysely<LedgerDatabase>
    let statements: () => number
    let close: () => Promise<void>

    before(async function () {
      this.timeout(30_000)
      ;({ db, statements, close } = await open())
    })
    after(async () => close?.())

    it('claims and commits 50 concurrent payments in far fewer than 50 statements', async () => {
      const store = paymentStore(db)
      const payments = Array.from({ length: 50 }, paymentOf)
      let before = statements()
      const claims = await Promise.all(payments.map((p) => store.claim(p.lease, p.details)))
      assert.deepEqual(claims, Array(50).fill('marked'))
      const claimStatements = statements() - before
      assert.ok(claimStatements <= 5, `50 claims took ${claimStatements} statements`)

      // Each commit keeps its own response: distinct bodies, an empty one, and none at all.
      const responseOf = (i: number) =>
        i % 10 === 9
          ? undefined
          : {
              status: 200 + i,
              headers: { 'x-i': String(i) },
              body: new Uint8Array(i % 10 === 8 ? [] : [i, 0, 255, i]),
            }
      before = statements()
      const commits = await Promise.all(
        payments.map((p, i) => store.consume(p.lease, responseOf(i))),
      )
      assert.deepEqual(commits, Array(50).fill(true))
      const commitStatements = statements() - before
      assert.ok(commitStatements <= 5, `50 commits took ${commitStatements} statements`)

      for (const [i, p] of payments.entries()) {
        const found = await store.findConsumed(p.lease.key)
        assert.ok(found, `payment ${i} is consumed`)
        assert.equal(found.txId, p.lease.key.txId)
        const expected = responseOf(i)
        if (!expected) assert.equal(found.response, undefined)
        else {
          assert.equal(found.response?.status, expected.status)
          assert.deepEqual(found.response?.headers, expected.headers)
          assert.deepEqual([...(found.response?.body ?? [])], [...expected.body])
        }
      }
    })

    it('gives each member of one group its exact own answer', async () => {
      const store = paymentStore(db)
      // Another process on the same database.
      const other = paymentStore(db)
      const fresh = paymentOf()
      const heldElsewhere = paymentOf()
      const consumed = paymentOf()
      const ownAgain = paymentOf()
      assert.equal(await other.claim(heldElsewhere.lease, heldElsewhere.details), 'marked')
      assert.equal(await store.claim(consumed.lease, consumed.details), 'marked')
      assert.equal(await store.consume(consumed.lease), true)
      assert.equal(await store.claim(ownAgain.lease, ownAgain.details), 'marked')

      const fillers = [paymentOf(), paymentOf()]
      const before = statements()
      const answers = await Promise.all([
        ...fillers.map((p) => store.claim(p.lease, p.details)),
        // The group: these six wait for the two fillers' statements.
        store.claim(fresh.lease, fresh.details),
        store.claim(leaseOf(fresh.lease.key), fresh.details),
        store.claim(leaseOf(heldElsewhere.lease.key), heldElsewhere.details),
        store.claim(leaseOf(consumed.lease.key), consumed.details),
        store.claim(ownAgain.lease, ownAgain.details),
        store.claim(consumed.lease, consumed.details),
      ])
      assert.equal(statements() - before, 3, 'two fillers alone, then one group of six')
      assert.deepEqual(answers, [
        'marked',
        'marked',
        'marked',
        // The same payment again in the same group, under another lease: the first holds it.
        'in_progress',
        'in_progress',
        'consumed',
        // The same lease marking twice keeps its claim.
        'marked',
        'consumed',
      ])

      // Commits mixed the same way: own claims, a retry of a commit (its reply lost), a lease
      // whose payment another lease holds.
      const commitFillers = fillers.map((p) => store.consume(p.lease))
      const commits = await Promise.all([
        ...commitFillers,
        store.consume(fresh.lease),
        store.consume(consumed.lease),
        store.consume(leaseOf(heldElsewhere.lease.key)),
        store.consume(ownAgain.lease),
      ])
      assert.deepEqual(commits, [true, true, true, true, false, true])
      assert.equal(await other.consume(heldElsewhere.lease), true)
    })

    it('grants the credit of each payment of one commit group exactly once', async () => {
      const store = paymentStore(db)
      const opener = paymentOf()
      const grant = grantOf(freshPayment().record, 100n)
      const credited = [
        { ...opener, details: { ...opener.details, credit: grant } },
        ...[10n, 1n].map((amount) => {
          const p = paymentOf()
          return { ...p, details: { ...p.details, credit: { ...grant, amount } } }
        }),
      ]
      const fillers = [paymentOf(), paymentOf()]
      for (const p of [...credited, ...fillers]) {
        assert.equal(await store.claim(p.lease, p.details), 'marked')
      }
      const before = statements()
      const commits = await Promise.all([
        ...fillers.map((p) => store.consume(p.lease)),
        // One group: three grants into one balance, and a retry of the first commit.
        ...credited.map((p) => store.consume(p.lease)),
        store.consume(credited[0]!.lease),
      ])
      assert.equal(statements() - before, 3, 'two fillers alone, then one group of four')
      assert.deepEqual(commits, Array(6).fill(true))
      assert.equal((await creditBalance(db, grant.balanceId))?.remaining, 111n)
      // A commit retried later grants nothing more either.
      assert.equal(await store.consume(credited[1]!.lease), true)
      assert.equal((await creditBalance(db, grant.balanceId))?.remaining, 111n)
    })

    // A value PostgreSQL refuses (a NUL character in text) is one member's fault, not the
    // database's: the group's statement fails, and its members run again alone. Before, every
    // honest payer grouped with that one request was answered 503.
    it('fails only the member whose values PostgreSQL refuses, not the others of its group', async () => {
      const store = paymentStore(db)
      const fillers = [paymentOf(), paymentOf()]
      const good = [paymentOf(), paymentOf()]
      const bad = paymentOf()
      bad.lease.key = { ...bad.lease.key, txId: `${bad.lease.key.txId}\u0000` }
      const results = await Promise.allSettled([
        ...fillers.map((p) => store.claim(p.lease, p.details)),
        ...[good[0]!, bad, good[1]!].map((p) => store.claim(p.lease, p.details)),
      ])
      assert.deepEqual(
        results.map((r) => (r.status === 'fulfilled' ? r.value : 'rejected')),
        ['marked', 'marked', 'marked', 'rejected', 'marked'],
      )
      const failed = results[3]
      assert.ok(failed?.status === 'rejected' && failed.reason instanceof LedgerUnavailableError)
      // Each good claim is held once, by its own lease: another lease finds it in progress.
      for (const p of good) {
        assert.equal(await store.claim(leaseOf(p.lease.key), p.details), 'in_progress')
        assert.equal(await store.consume(p.lease), true)
      }
    })
  })
}

describeGroups('PostgreSQL', ['postgres'], async () => {
  await prepareTestDatabase()
  const counting = countingDb()
  return { db: counting.db, statements: counting.queries, close: () => counting.db.destroy() }
})

describeGroups('PGlite', [], async () => {
  const lite = await PGlite.create()
  let statements = 0
  const db = new Kysely<LedgerDatabase>({
    dialect: pgliteDialect(lite),
    log: () => {
      statements++
    },
  })
  await migrate(db)
  return {
    db,
    statements: () => statements,
    // The dialect closes its PGlite with the Kysely instance.
    close: () => db.destroy(),
  }
})

describeWithServices('paymentStore groups of two processes on PostgreSQL', ['postgres'], () => {
  const one = countingDb()
  const two = countingDb()
  const blocker = countingDb()
  before(async function () {
    this.timeout(30_000)
    await prepareTestDatabase()
  })
  after(async () => {
    await Promise.all([one.db.destroy(), two.db.destroy(), blocker.db.destroy()])
  })

  // A real fault (here the group's connection killed while it waits on a row lock) is not one
  // member's doing: every member fails (503) and the rolled-back group keeps none of its claims.
  it('fails every member of a group on a fault and keeps none of them', async function () {
    this.timeout(30_000)
    const store = paymentStore(one.db)
    const fillers = [paymentOf(), paymentOf()]
    const good = [paymentOf(), paymentOf()]
    const waitedOn = paymentOf()
    const results = await blocker.db.transaction().execute(async (trx) => {
      // Another process's claim of `waitedOn`, not yet committed: the group waits on its row.
      await trx.executeQuery(claimStatement(waitedOn.lease, waitedOn.details))
      const settled = Promise.allSettled([
        ...fillers.map((p) => store.claim(p.lease, p.details)),
        ...[...good, { ...waitedOn, lease: leaseOf(waitedOn.lease.key) }].map((p) =>
          store.claim(p.lease, p.details),
        ),
      ])
      // Polled on another connection: pg_stat_activity is a snapshot within a transaction.
      for (let killed = false; !killed; await sleep(50)) {
        const { rows } = await sql<{ killed: boolean }>`select pg_terminate_backend(pid) as killed
          from pg_stat_activity where wait_event_type = 'Lock' and query like '%unnest%'`.execute(
          blocker.db,
        )
        killed = rows.length > 0
      }
      return settled
    })
    assert.deepEqual(
      results.map((r) => r.status),
      ['fulfilled', 'fulfilled', 'rejected', 'rejected', 'rejected'],
    )
    for (const result of results.slice(2)) {
      assert.ok(result.status === 'rejected' && result.reason instanceof LedgerUnavailableError)
    }
    for (const p of good) {
      assert.equal(await store.isConsumed(p.lease.key), false)
      assert.equal(await store.claim(leaseOf(p.lease.key), p.details), 'marked')
    }
  })

  // Two commit groups granting into two balances in opposite orders deadlock; PostgreSQL aborts
  // one, whose members then commit alone: every commit succeeds and every grant lands once.
  it('commits every member of a group that lost a deadlock, granting each once', async function () {
    this.timeout(30_000)
    const first = paymentStore(one.db)
    const second = paymentStore(two.db)
    const prefix = randomBytes(8).toString('hex')
    const payment = (letter: string, balance: { balanceId: string }, amount: bigint) => {
      const { key, record } = freshPayment(1n, { txId: `0x${prefix}${letter}` })
      const details = { ...record, credit: { ...grantOf(record, amount), ...balance } }
      return { lease: leaseOf(key), details: details as PaymentDetails }
    }
    const x = { balanceId: randomBytes(16).toString('hex') }
    const y = { balanceId: randomBytes(16).toString('hex') }
    const [openX, openY] = [payment('0', x, 1000n), payment('1', y, 2000n)]
    const [a, b] = [payment('a', x, 1n), payment('b', y, 10n)]
    const [c, d] = [payment('c', y, 100n), payment('d', x, 200n)]
    const fillers = [paymentOf(), paymentOf(), paymentOf(), paymentOf()]
    for (const p of [openX, openY, a, b, c, d, ...fillers]) {
      assert.equal(await first.claim(p.lease, p.details), 'marked')
    }
    assert.equal(await first.consume(openX.lease), true)
    assert.equal(await first.consume(openY.lease), true)

    // Holds b's row so the first group stops between its two balances.
    const commits = await blocker.db.transaction().execute(async (trx) => {
      await sql`select 1 from ${sql.table(paymentsTable)} where tx_id = ${b.lease.key.txId} for update`.execute(
        trx,
      )
      // The first group takes x (a) and waits on b; the second takes y (c), then waits on x (d).
      const group1 = Promise.all([
        ...fillers.slice(0, 2).map((p) => first.consume(p.lease)),
        first.consume(a.lease),
        first.consume(b.lease),
      ])
      await sleep(300)
      const group2 = Promise.all([
        ...fillers.slice(2).map((p) => second.consume(p.lease)),
        second.consume(c.lease),
        second.consume(d.lease),
      ])
      await sleep(300)
      return [group1, group2]
    })
    // b's row is free: the first group now wants y, which the second holds.
    assert.deepEqual(await Promise.all(commits), [Array(4).fill(true), Array(4).fill(true)])
    assert.equal((await creditBalance(one.db, x.balanceId))?.remaining, 1201n)
    assert.equal((await creditBalance(one.db, y.balanceId))?.remaining, 2110n)
  })
})
