import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { embeddedLedger } from '@tx402/ledger'
import { describeWithServices } from '@tx402/testing/services'
import { type ApiProcess, spawnApi } from './test/apiProcess.js'
import { databaseUrl, prepareDatabase } from './test/database.js'
import type { SlowApiConfig } from './test/slowApi.js'
import { createSlowApp } from './test/slowApp.js'

// A claim used to lapse claimTtlMs after it was taken, so a second request with the same
// transaction took it over while the first handler still ran: two handler runs for one payment.
const claimTtlMs = 400
const handlerMs = 3 * claimTtlMs
const secret = 'long-handler-secret-at-least-32-bytes!!'
const quiet = { info() {}, warn() {}, error() {} }
const freshTx = () => `0x${randomBytes(32).toString('hex')}`
const payWith = (url: string, tx: string) =>
  fetch(`${url}/slow`, { headers: { 'x-payment-tx': tx, 'x-payment-chain': 'testnet' } })
const errorOf = async (response: Response) => ((await response.json()) as { error?: string }).error

/** The first request, a second one mid-way through its handler, and a replay after both. */
async function raceMidway(first: string, second: string, tx: string) {
  const running = payWith(first, tx)
  await sleep(handlerMs / 2)
  const midway = await payWith(second, tx)
  const answered = await running
  // The commit follows the response (settle on delivery): until it lands, a few ms later, the
  // payment is still in progress, as Retry-After says.
  let after = await payWith(second, tx)
  for (let i = 0; i < 50 && after.status === 409; i++) {
    await sleep(100)
    after = await payWith(second, tx)
  }
  return { answered, midway, after }
}

describe('one payment, one handler run: a handler that runs 3x claimTtlMs', function () {
  this.timeout(60_000)

  it('on the embedded ledger: the request arriving mid-way gets 409, the handler runs once', async function () {
    this.timeout(120_000)
    const ledger = embeddedLedger({ dataDir: 'memory://', logger: quiet })
    await ledger.ready()
    let runs = 0
    const app = createSlowApp({
      ledger,
      secret,
      claimTtlMs,
      handlerMs,
      onHandler: () => runs++,
    })
    const server = app.listen(0, '127.0.0.1')
    await once(server, 'listening')
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    try {
      const tx = freshTx()
      const { answered, midway, after } = await raceMidway(url, url, tx)
      assert.equal(midway.status, 409)
      assert.equal(await errorOf(midway), 'payment_in_progress')
      assert.equal(answered.status, 200)
      assert.equal(((await answered.json()) as { served: string }).served, tx)
      assert.equal(runs, 1, 'one payment, one handler run')
      assert.equal(await errorOf(after), 'tx_already_used')
    } finally {
      server.close()
      await ledger.close()
    }
  })

  describeWithServices(
    'on Redis + PostgreSQL with two API processes',
    ['postgres', 'redis'],
    () => {
      const apis: ApiProcess[] = []
      before(async function () {
        this.timeout(120_000)
        await prepareDatabase()
        const config: SlowApiConfig = {
          redisUrl: 'redis://127.0.0.1:6379',
          databaseUrl: databaseUrl(),
          keyPrefix: `tx402long:${randomBytes(4).toString('hex')}:`,
          secret,
          claimTtlMs,
          handlerMs,
        }
        apis.push(
          ...(await Promise.all([
            spawnApi('a', config, './slowApi.ts'),
            spawnApi('b', config, './slowApi.ts'),
          ])),
        )
      })
      after(async () => {
        await Promise.all(apis.map((api) => api.stop()))
      })

      it('the request arriving mid-way at the other process gets 409, the handler runs once', async () => {
        const [a, b] = apis as [ApiProcess, ApiProcess]
        const tx = freshTx()
        const { answered, midway, after } = await raceMidway(a.url, b.url, tx)
        assert.equal(midway.status, 409)
        assert.equal(await errorOf(midway), 'payment_in_progress')
        assert.equal(answered.status, 200)
        assert.equal(((await answered.json()) as { pid: number }).pid, a.pid)
        const runs = [...a.lines, ...b.lines].filter((l) => l.event === 'handler' && l.tx === tx)
        assert.equal(runs.length, 1, 'one payment, one handler run, across both processes')
        assert.equal(await errorOf(after), 'tx_already_used')
      })
    },
  )
})
