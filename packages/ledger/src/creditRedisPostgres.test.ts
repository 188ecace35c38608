import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { LedgerUnavailableError } from '@tx402/core'
import { type ProxyMode, startRedisServer, tcpProxy } from '@tx402/testing/faults'
import { describeWithServices } from '@tx402/testing/services'
import { Redis } from 'ioredis'
import pg from 'pg'
import { redisPostgresLedger } from './redisPostgresLedger.js'
import { buy, describeCreditContract, spendOf } from './test/creditContract.js'
import type { CreditWorkerConfig } from './test/creditWorker.js'
import {
  countingDb,
  postgresServer,
  prepareTestDatabase,
  testDatabase,
  testDatabaseUrl,
} from './test/postgres.js'
import { nextLine, spawnScript } from './test/spawnScript.js'

const redisUrl = 'redis://127.0.0.1:6379'
const quiet = { info: () => {}, warn: () => {}, error: () => {} }

describeWithServices('redisPostgresLedger credit', ['postgres', 'redis', 'redis-server'], () => {
  const keyPrefix = `tx402credit:${randomBytes(6).toString('hex')}:`
  const cleanup: (() => Promise<unknown> | unknown)[] = []
  const open = (options: Partial<Parameters<typeof redisPostgresLedger>[0]> = {}) => {
    const ledger = redisPostgresLedger({
      redis: redisUrl,
      db: testDatabaseUrl,
      keyPrefix,
      logger: quiet,
      ...options,
    })
    cleanup.push(() => ledger.close())
    return ledger
  }
  let ledger: ReturnType<typeof open>

  before(async function () {
    this.timeout(60_000)
    await prepareTestDatabase()
    ledger = open()
  })
  after(async () => {
    for (const step of cleanup.reverse()) await step()
  })

  describeCreditContract('redisPostgresLedger', () => ledger)

  describe('across processes and faults', () => {
    it('serves exactly 10 of 100 concurrent reserves from two processes on a balance worth 10', async function () {
      this.timeout(60_000)
      const { grant } = await buy(ledger, 10n)
      const { amount: _, ...rest } = spendOf(grant, 1n)
      const workers = [0, 1].map(() =>
        spawnScript('creditWorker.ts', 'TX402_CREDIT_WORKER', {
          redisUrl,
          dbUrl: testDatabaseUrl,
          keyPrefix,
          reserves: 50,
          reservation: { ...rest, amount: '1' },
        } satisfies CreditWorkerConfig),
      )
      cleanup.push(() =>
        Promise.all(
          workers.map((w) => {
            w.child.kill('SIGKILL')
            return w.exited
          }),
        ),
      )
      for (const worker of workers) assert.equal(await nextLine(worker.lines), 'ready')
      for (const worker of workers) worker.child.stdin!.write('go\n')
      const statuses = (
        await Promise.all(workers.map(async (w) => JSON.parse(await nextLine(w.lines)) as string[]))
      ).flat()
      assert.equal(statuses.length, 100)
      assert.equal(statuses.filter((s) => s === 'reserved').length, 10, JSON.stringify(statuses))
      assert.equal(statuses.filter((s) => s === 'exhausted').length, 90)
      assert.equal((await ledger.credit.find(grant.balanceId))?.remaining, 0n)
    })

    it('spends with one SQL statement per step and no Redis command at all', async function () {
      this.timeout(30_000)
      const server = await startRedisServer()
      cleanup.push(() => server.stop())
      const admin = new Redis(server.url)
      cleanup.push(() => admin.disconnect())
      const counting = countingDb()
      cleanup.push(() => counting.db.destroy())
      // The ledger's own client, connected before counting: its ready check (an INFO) would
      // otherwise land inside the count whenever the connection is slower than the test.
      const client = new Redis(server.url)
      cleanup.push(() => client.disconnect())
      await new Promise((resolve) => client.once('ready', resolve))
      const counted = open({ redis: client, db: counting.db })
      const { grant } = await buy(ledger, 2n)
      const commands = async () =>
        Number(/total_commands_processed:(\d+)/.exec(await admin.info('stats'))![1])
      const redisBefore = await commands()
      const sqlBefore = counting.queries()
      const spent = await counted.credit.reserve(spendOf(grant, 1n))
      assert.ok(spent.status === 'reserved')
      assert.equal(counting.queries() - sqlBefore, 1, 'reserve')
      assert.equal(await counted.credit.renew(spent.spend, 30_000), true)
      await counted.credit.commit(spent.spend)
      assert.equal(counting.queries() - sqlBefore, 3, 'renew and commit')
      const other = await counted.credit.reserve(spendOf(grant, 1n))
      assert.ok(other.status === 'reserved')
      await counted.credit.release(other.spend)
      assert.equal(counting.queries() - sqlBefore, 5, 'reserve and release')
      assert.equal((await counted.credit.reserve(spendOf(grant, 2n))).status, 'exhausted')
      assert.equal(counting.queries() - sqlBefore, 6, 'a refusal is one statement too')
      // The only commands the server saw are this test's own INFO calls.
      assert.equal((await commands()) - redisBefore, 1)
    })

    it('groups concurrent reserves, commits and releases of one balance into a few statements', async function () {
      this.timeout(30_000)
      const counting = countingDb()
      cleanup.push(() => counting.db.destroy())
      const counted = open({ db: counting.db })
      const { grant } = await buy(ledger, 40n)
      const before = counting.queries()
      const results = await Promise.all(
        Array.from({ length: 50 }, () => counted.credit.reserve(spendOf(grant, 1n))),
      )
      const reserveStatements = counting.queries() - before
      // One group when they all arrive in one turn; a few if the pool's connect splits them.
      assert.ok(reserveStatements <= 3, `50 reserves cost ${reserveStatements} statements`)
      // In arrival order: the first 40 are taken, the last 10 refused.
      assert.deepEqual(
        results.map((r) => r.status),
        [...Array(40).fill('reserved'), ...Array(10).fill('exhausted')],
      )
      assert.deepEqual(
        results.slice(0, 40).map((r) => r.status === 'reserved' && r.remaining),
        Array.from({ length: 40 }, (_, i) => BigInt(39 - i)),
      )
      const spends = results.flatMap((r) => (r.status === 'reserved' ? [r.spend] : []))
      const afterReserves = counting.queries()
      await Promise.all([
        ...spends.slice(0, 30).map((spend) => counted.credit.commit(spend)),
        ...spends.slice(30).map((spend) => counted.credit.release(spend)),
      ])
      const settleStatements = counting.queries() - afterReserves
      assert.ok(settleStatements <= 4, `40 commits and releases cost ${settleStatements}`)
      assert.equal((await ledger.credit.find(grant.balanceId))?.remaining, 10n)
      // Committed for good: a release of a committed spend undoes it, once.
      await counted.credit.release(spends[0]!)
      await counted.credit.release(spends[0]!)
      assert.equal((await ledger.credit.find(grant.balanceId))?.remaining, 11n)
    })

    it('keeps every group of two pools on one balance exact: what they took is what it lost', async function () {
      this.timeout(30_000)
      // Two ledgers, two pools: their groups of one balance race on its row lock, each reading
      // what the other left.
      const pools = [countingDb(), countingDb()]
      for (const pool of pools) cleanup.push(() => pool.db.destroy())
      const [a, b] = pools.map((pool) => open({ db: pool.db }))
      const { grant } = await buy(ledger, 300n)
      let taken = 0n
      let refused = 0
      for (let wave = 0; wave < 6; wave++) {
        const results = await Promise.all(
          Array.from({ length: 60 }, (_, i) =>
            (i % 2 ? a! : b!).credit.reserve(spendOf(grant, BigInt(1 + (i % 3)))),
          ),
        )
        for (const r of results) {
          if (r.status === 'reserved') taken += r.spend.amount
          else if (r.status === 'exhausted') refused++
          else assert.fail(r.status)
        }
        assert.equal((await ledger.credit.find(grant.balanceId))?.remaining, 300n - taken)
      }
      assert.equal(taken, 300n, 'spent to the last unit')
      assert.ok(refused > 0)
    })

    it('reserves a group from the balance as the transaction it waited for left it', async function () {
      this.timeout(30_000)
      const { grant } = await buy(ledger, 10n)
      const other = new pg.Client({ connectionString: testDatabaseUrl })
      await other.connect()
      cleanup.push(() => other.end())
      // Another writer holds the balance row and takes 7 of it.
      await other.query('begin')
      await other.query(
        'update tx402_credit_balances set remaining = remaining - 7 where id = $1',
        [grant.balanceId],
      )
      const group = Promise.all(
        [1n, 2n, 1n].map((amount) => ledger.credit.reserve(spendOf(grant, amount))),
      )
      await sleep(300) // the group waits on the row lock
      await other.query('commit')
      assert.deepEqual(
        (await group).map((r) =>
          r.status === 'reserved' || r.status === 'exhausted' ? `${r.status} ${r.remaining}` : r,
        ),
        ['reserved 2', 'reserved 0', 'exhausted 0'],
      )
      assert.equal((await ledger.credit.find(grant.balanceId))?.remaining, 0n)
    })

    it('never over-spends when Redis is flushed in the middle of spending', async function () {
      this.timeout(30_000)
      const server = await startRedisServer()
      cleanup.push(() => server.stop())
      const admin = new Redis(server.url)
      cleanup.push(() => admin.disconnect())
      const a = open({ redis: server.url })
      const b = open({ redis: server.url })
      const { grant } = await buy(a, 10n)
      const first = await Promise.all(
        Array.from({ length: 6 }, () => a.credit.reserve(spendOf(grant, 1n))),
      )
      assert.equal(await admin.flushall(), 'OK')
      const rest = await Promise.all(
        Array.from({ length: 30 }, (_, i) => (i % 2 ? a : b).credit.reserve(spendOf(grant, 1n))),
      )
      const reserved = [...first, ...rest].filter((r) => r.status === 'reserved')
      assert.equal(reserved.length, 10)
      assert.equal((await b.credit.find(grant.balanceId))?.remaining, 0n)
    })

    describe('PostgreSQL cut off behind a proxy', () => {
      let setMode: (mode: ProxyMode) => void
      let cut: ReturnType<typeof open>
      before(async () => {
        const proxy = await tcpProxy(postgresServer)
        cleanup.push(() => proxy.close())
        setMode = proxy.setMode
        cut = open({ db: `postgres://postgres@127.0.0.1:${proxy.port}/${testDatabase}` })
      })
      afterEach(() => setMode('open'))

      it('raises LedgerUnavailableError, spends nothing, and lands an owed release later', async function () {
        this.timeout(30_000)
        const { grant } = await buy(cut, 10n)
        const held = await cut.credit.reserve(spendOf(grant, 4n))
        assert.ok(held.status === 'reserved')
        setMode('refuse')
        await assert.rejects(cut.credit.reserve(spendOf(grant, 1n)), LedgerUnavailableError)
        await assert.rejects(cut.credit.find(grant.balanceId), LedgerUnavailableError)
        await assert.rejects(cut.credit.release(held.spend), LedgerUnavailableError)
        setMode('open')
        await sleep(1_500) // the ledger retries every 500 ms
        assert.equal(
          (await ledger.credit.find(grant.balanceId))?.remaining,
          10n,
          'given back, with no request',
        )
        await cut.credit.release(held.spend)
        assert.equal((await ledger.credit.find(grant.balanceId))?.remaining, 10n, 'and only once')
      })

      it('fails every spend of a group the store could not run, and takes nothing', async function () {
        this.timeout(30_000)
        const { grant } = await buy(cut, 10n)
        setMode('refuse')
        const results = await Promise.allSettled(
          Array.from({ length: 8 }, () => cut.credit.reserve(spendOf(grant, 1n))),
        )
        setMode('open')
        for (const result of results) {
          assert.ok(result.status === 'rejected' && result.reason instanceof LedgerUnavailableError)
        }
        assert.equal((await ledger.credit.find(grant.balanceId))?.remaining, 10n)
      })
    })
  })
})
