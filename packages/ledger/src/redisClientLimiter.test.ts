import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { createPaymentEngine, type Ledger, type Outcome } from '@tx402/core'
import { scriptedChain } from '@tx402/core/testing'
import { freePort, tcpProxy } from '@tx402/testing/faults'
import { describeWithServices } from '@tx402/testing/services'
import { Redis } from 'ioredis'
import { redisPostgresLedger } from './redisPostgresLedger.js'
import { prepareTestDatabase, testDatabaseUrl } from './test/postgres.js'

const redisUrl = 'redis://127.0.0.1:6379'
const secret = 'shared-limit-secret-at-least-32-bytes!!'
const silent = { info() {}, warn() {}, error() {} }
const hash = (n: number) => `0x${n.toString(16).padStart(64, '0')}`
const status = (outcome: Outcome) =>
  outcome.type === 'paid' ? 200 : 'status' in outcome ? outcome.status : 0

describeWithServices('limits.perClient on redisPostgresLedger', ['postgres', 'redis'], () => {
  const keyPrefix = `tx402limit:${randomBytes(6).toString('hex')}:`
  const ledgers: Ledger[] = []
  const clients: Redis[] = []

  before(async function () {
    this.timeout(30_000)
    await prepareTestDatabase()
  })

  after(async () => {
    for (const ledger of ledgers) await ledger.close?.()
    for (const client of clients) client.disconnect()
    const redis = new Redis(redisUrl)
    const keys = await redis.keys(`${keyPrefix}*`)
    if (keys.length) await redis.del(...keys)
    redis.disconnect()
  })

  /** One app process: its own ledger (and Redis client) and its engine, limited to 2 per minute. */
  const appProcess = (redis: string | Redis) => {
    const ledger = redisPostgresLedger({ redis, db: testDatabaseUrl, keyPrefix, logger: silent })
    ledgers.push(ledger)
    const chain = scriptedChain() // every transaction: tx_not_found (402), after the limit
    const engine = createPaymentEngine({
      price: '0.01',
      chains: [chain.plugin],
      ledger,
      secret,
      logger: silent,
      limits: { notFoundCacheMs: 0, perClient: { max: 2, windowMs: 60_000 } },
    })
    const attempt = async (n: number, client: string) =>
      engine.handle({
        method: 'GET',
        path: '/paid',
        headers: { 'x-payment-tx': [hash(n)], 'x-payment-chain': ['testnet'] },
        client,
      })
    return { attempt, chain }
  }

  /** A connected client of its own, as each process has (until connected, it counts in memory). */
  const connected = async (url = redisUrl) => {
    const client = new Redis(url)
    clients.push(client)
    await client.ping()
    return client
  }

  it('holds one count per client across two processes sharing the Redis', async () => {
    const a = appProcess(await connected())
    const b = appProcess(await connected())
    assert.equal(status(await a.attempt(1, 'client-1')), 402)
    assert.equal(status(await b.attempt(2, 'client-1')), 402)
    const third = await a.attempt(3, 'client-1')
    assert.equal(third.type === 'error' && third.body.error, 'rate_limited')
    assert.ok(Number(third.type === 'error' && third.headers['retry-after']) >= 59)
    assert.equal(status(await b.attempt(4, 'client-1')), 429, 'the other process refuses it too')
    assert.equal(status(await b.attempt(5, 'client-2')), 402, 'other clients keep their own count')
    assert.equal(a.chain.calls.length + b.chain.calls.length, 3, 'no RPC for a refused attempt')
  })

  it('answers, counting in memory, when a connected Redis stops answering (a client without commandTimeout)', async function () {
    this.timeout(20_000)
    const proxy = await tcpProxy({ host: '127.0.0.1', port: 6379 })
    try {
      // Passed in, so the ledger cannot give it a command timeout; replies are then lost.
      const hung = appProcess(await connected(`redis://127.0.0.1:${proxy.port}`))
      proxy.setMode('mute', { keepConnections: true })
      assert.equal(status(await hung.attempt(1, 'client-4')), 402)
      assert.equal(status(await hung.attempt(2, 'client-4')), 402)
      assert.equal(status(await hung.attempt(3, 'client-4')), 429)
    } finally {
      await proxy.close()
    }
  })

  it('counts in memory, never refusing with 503, while Redis cannot be reached', async () => {
    const down = appProcess(`redis://127.0.0.1:${await freePort()}`)
    assert.equal(status(await down.attempt(1, 'client-3')), 402)
    assert.equal(status(await down.attempt(2, 'client-3')), 402)
    assert.equal(status(await down.attempt(3, 'client-3')), 429)
  })
})
