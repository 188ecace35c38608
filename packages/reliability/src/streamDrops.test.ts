import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Readable } from 'node:stream'
import { setTimeout as sleep } from 'node:timers/promises'
import Router from '@koa/router'
import { paymentRequired } from '@tx402/koa'
import { paymentsTable, redisPostgresLedger } from '@tx402/ledger'
import { describeWithServices } from '@tx402/testing/services'
import Koa from 'koa'
import pg from 'pg'
import { type AnvilCredit, startAnvilCredit } from './test/credit/anvilCredit.js'
import { databaseUrl, prepareDatabase } from './test/database.js'
import { type AnvilPayment, payOnAnvil } from './test/delivery/anvilPayment.js'
import { centOnAnvil } from './test/delivery/anvilPaywall.js'
import { type DropPoint, getAndDrop, type StreamAttempt } from './test/delivery/streamDropClient.js'
import { prng } from './test/prng.js'

// A client that drops paid streams at random points (seeded), across 200 paid streamed requests
// on real sockets, anvil and Redis + PostgreSQL (docs/protocol.md 6.1 and 6.2). Tally: each
// payment charged at most once; a payment whose body a client began to read is charged; its
// re-deliveries stay within the bound; none is served beyond it.
const payments = 200
const concurrency = 8
const maxRedeliveries = 3
const chunkBytes = 512
const chunks = 10
const seed = Number(process.env.TX402_SEED ?? 26_2026)
const secret = 'stream-drop-secret-at-least-32-bytes!!!'
const quiet = { info() {}, warn() {}, error() {} }

/** What happened to one payment, from both sides. */
interface Tally {
  attempts: StreamAttempt[]
  /** Commits reported by `onPaid`. */
  charged: number
  /** Handler runs: paid now, and re-delivered. */
  fresh: number
  redelivered: number
}

describeWithServices(
  'a client dropping paid streams at random points, 200 payments on real sockets',
  ['postgres', 'redis'],
  function () {
    this.timeout(300_000)
    let lab: AnvilCredit
    let ledger: ReturnType<typeof redisPostgresLedger>
    let server: Server
    let url: string
    let pool: pg.Pool
    const tallies = new Map<string, Tally>()
    const tallyOf = (tx: string) => {
      let tally = tallies.get(tx)
      if (!tally) {
        tally = { attempts: [], charged: 0, fresh: 0, redelivered: 0 }
        tallies.set(tx, tally)
      }
      return tally
    }

    before(async function () {
      this.timeout(120_000)
      ;[lab] = await Promise.all([startAnvilCredit(), prepareDatabase()])
      ledger = redisPostgresLedger({
        redis: 'redis://127.0.0.1:6379',
        db: databaseUrl(),
        keyPrefix: `tx402drops:${randomBytes(4).toString('hex')}:`,
        logger: quiet,
      })
      await ledger.ready?.()
      pool = new pg.Pool({ connectionString: databaseUrl(), max: 2 })
      const paid = paymentRequired({
        ...centOnAnvil(lab, ledger, secret),
        maxRedeliveries,
        onPaid: (receipt) => {
          tallyOf(receipt.transaction).charged++
        },
      })
      const router = new Router()
      router.get('/api/stream', paid, (ctx) => {
        const payment = ctx.state.payment!
        const tally = tallyOf(payment.transaction)
        if (payment.redelivered) tally.redelivered++
        else tally.fresh++
        let sent = 0
        ctx.type = 'text/plain'
        // Spaced chunks, so a client can leave while the server is still writing.
        ctx.body = new Readable({
          read() {
            if (sent === chunks) return void this.push(null)
            sent++
            setTimeout(() => this.push(Buffer.alloc(chunkBytes, 97 + sent)), 2)
          },
        })
      })
      const app = new Koa()
      app.silent = true
      app.use(router.routes())
      server = app.listen(0, '127.0.0.1')
      await once(server, 'listening')
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/stream`
    })
    after(async () => {
      if (server) {
        server.closeAllConnections()
        await new Promise((resolve) => server.close(resolve))
      }
      await pool?.end()
      await ledger?.close()
      await lab?.close()
    })

    it(`charges each payment at most once and re-delivers within ${maxRedeliveries}, never beyond (seed ${seed})`, async () => {
      const random = prng(seed)
      const dropPoint = (): DropPoint => {
        const roll = random.int(10)
        if (roll < 2) return { at: 'before-headers' }
        if (roll < 8) return { at: 'body-byte', bytes: random.between(1, chunks * chunkBytes - 1) }
        return { at: 'never' }
      }
      // Drawn up front, so the plan depends on the seed only, not on timing.
      const plans = Array.from({ length: payments }, () =>
        Array.from({ length: 1 + random.int(6) }, () => dropPoint()),
      )
      const paid: AnvilPayment[] = []
      for (let i = 0; i < payments; i++) paid.push(await payOnAnvil(lab, url))

      let next = 0
      const worker = async () => {
        while (next < payments) {
          const i = next++
          const { hash, headers } = paid[i]!
          for (const drop of plans[i]!) {
            let seen = await getAndDrop(url, headers, drop)
            // The last request's commit may still be landing: the payer retries after Retry-After.
            for (let wait = 0; seen.status === 409 && wait < 50; wait++) {
              await sleep(50)
              seen = await getAndDrop(url, headers, drop)
            }
            tallyOf(hash).attempts.push(seen)
          }
        }
      }
      await Promise.all(Array.from({ length: concurrency }, worker))
      // Every settlement lands (a commit follows its response by milliseconds).
      await sleep(500)

      const rows = await pool.query<{ tx_id: string; status: string; redeliveries: number }>(
        `select tx_id, status, redeliveries from ${paymentsTable} where lower(pay_to) = lower($1)`,
        [lab.payTo],
      )
      const rowOf = new Map(rows.rows.map((row) => [row.tx_id.toLowerCase(), row]))
      const faults: string[] = []
      let chargedPayments = 0
      let redeliveredTotal = 0
      let partialReads = 0
      for (const { hash } of paid) {
        const tally = tallyOf(hash)
        const row = rowOf.get(hash.toLowerCase())
        const readBody = tally.attempts.some(
          (a) => !a.redelivered && a.status === 200 && a.bodyBytes > 0,
        )
        const servedAgain = tally.attempts.filter((a) => a.status === 200 && a.redelivered).length
        partialReads += tally.attempts.filter(
          (a) => a.status === 200 && !a.whole && a.bodyBytes > 0,
        ).length
        redeliveredTotal += tally.redelivered
        if (tally.charged > 1) faults.push(`${hash}: charged ${tally.charged} times`)
        if (tally.charged === 1) chargedPayments++
        if (readBody && tally.charged !== 1)
          faults.push(`${hash}: body read, charged ${tally.charged}`)
        if ((tally.charged === 1) !== (row?.status === 'consumed')) {
          faults.push(`${hash}: onPaid ${tally.charged}, ledger ${row?.status ?? 'no row'}`)
        }
        if (tally.redelivered > maxRedeliveries || servedAgain > maxRedeliveries) {
          faults.push(`${hash}: re-delivered ${tally.redelivered} (client saw ${servedAgain})`)
        }
        if ((row?.redeliveries ?? 0) > maxRedeliveries)
          faults.push(`${hash}: ledger counted ${row?.redeliveries}`)
        if (tally.charged === 0 && tally.redelivered > 0)
          faults.push(`${hash}: re-delivered uncharged`)
        for (const attempt of tally.attempts) {
          const expected = ['tx_already_used', 'payment_in_progress']
          if (
            attempt.status !== 200 &&
            attempt.status !== 'no answer' &&
            !expected.includes(String(attempt.error))
          ) {
            faults.push(`${hash}: answered ${attempt.status} ${attempt.error ?? ''}`)
          }
        }
      }
      assert.deepEqual(faults, [], `seed ${seed}`)
      // The run exercised what it claims to: drops mid-body, charges and re-deliveries.
      assert.ok(partialReads > 20, `partial reads ${partialReads}`)
      assert.ok(chargedPayments > payments / 2, `charged ${chargedPayments}`)
      assert.ok(redeliveredTotal > 0, 're-deliveries happened')
    })
  },
)
