// Ledger throughput in its own process: claim + mark + commit against a raw INSERT floor.
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import type { Ledger } from '@tx402/core'
import { embeddedLedger, migrate, pgliteDialect, redisPostgresLedger } from '@tx402/ledger'
import { Kysely, PostgresDialect } from 'kysely'
import pg from 'pg'
import { rawInsert } from '../benchmarks/rawInsert.js'
import { childConfig, serveParent } from '../infra/childSide.js'
import { countingRedis, describePerOp } from '../infra/countingRedis.js'
import { ledgerPool } from '../infra/ledgerPool.js'

/** What the parent passes to this process. */
export interface LedgerWorkerConfig {
  databaseUrl: string
  redisUrl: string
  keyPrefix: string
  /** The Redis Cluster's seeds and the bench database through PgBouncer, for `scale-out`. */
  scaleOut?: { redisUrl: string; databaseUrl: string }
}

/** A `run` request: which store, how long, how many at once. */
export interface LedgerRunSpec {
  /** `scale-out`: the Redis Cluster, and PostgreSQL through PgBouncer (transaction pooling). */
  store: 'postgres' | 'scale-out' | 'pglite'
  rounds: number
  seconds: number
  concurrency: number
}

/** One round: operations done in the time, for the floor and for the ledger. */
export interface LedgerRound {
  floorOps: number
  floorSec: number
  ledgerOps: number
  ledgerSec: number
}

/** Result of a `run`: the rounds, and SQL statements the ledger sent per operation. */
export interface LedgerRunResult {
  rounds: LedgerRound[]
  /** Counted on PostgreSQL only: the embedded ledger keeps its Kysely to itself. */
  statementsPerOp?: number
  /** Redis commands per operation, e.g. `3.00 (set 1.00, …)`. */
  redisPerOp?: string
}

const config = childConfig<LedgerWorkerConfig>()
const network = 'eip155:31337' as const

serveParent(
  {},
  {
    run: async (message) => ({ result: await run(message.spec as LedgerRunSpec) }),
  },
  async () => {},
)

async function run(spec: LedgerRunSpec): Promise<LedgerRunResult> {
  let statements = 0
  const count = () => {
    statements++
  }
  const parts =
    spec.store === 'postgres'
      ? await postgresParts(count, config)
      : spec.store === 'scale-out'
        ? await postgresParts(count, { ...config, ...config.scaleOut!, dbPooling: 'transaction' })
        : await pgliteParts()
  try {
    const rounds: LedgerRound[] = []
    // Warm-up of both, then alternate rounds so a neighbour's load falls on both alike.
    await timed(parts.floor, spec.concurrency, 1)
    await timed(() => cycle(parts.ledger), spec.concurrency, 1)
    statements = 0
    const redisBefore = parts.redisCounts?.() ?? {}
    let ledgerOps = 0
    for (let i = 0; i < spec.rounds; i++) {
      const floor = await timed(parts.floor, spec.concurrency, spec.seconds)
      const ledger = await timed(() => cycle(parts.ledger), spec.concurrency, spec.seconds)
      ledgerOps += ledger.ops
      rounds.push({
        floorOps: floor.ops,
        floorSec: floor.sec,
        ledgerOps: ledger.ops,
        ledgerSec: ledger.sec,
      })
    }
    const redisAfter = parts.redisCounts?.()
    const redisCommands: Record<string, number> = {}
    for (const [name, n] of Object.entries(redisAfter ?? {})) {
      redisCommands[name] = n - (redisBefore[name] ?? 0)
    }
    return {
      rounds,
      ...(spec.store !== 'pglite'
        ? {
            statementsPerOp: statements / ledgerOps,
            redisPerOp: describePerOp(redisCommands, ledgerOps),
          }
        : {}),
    }
  } finally {
    await parts.close()
  }
}

/**
 * The engine's path for a fresh payment that is served: look up, claim and mark (one
 * `ledger.claim` where the ledger offers it, as the engine calls it), then commit.
 */
async function cycle(ledger: Ledger): Promise<void> {
  const txId = `0x${randomBytes(32).toString('hex')}`
  const payer = '0x0000000000000000000000000000000000000001'
  const payTo = '0x0000000000000000000000000000000000000002'
  const key = { network, txId, payTo, payer }
  const details = {
    chain: 'base',
    asset: '0x0000000000000000000000000000000000000003',
    amount: 10_000n,
    resource: 'GET /paid',
  }
  if (ledger.claim) {
    const taken = await ledger.claim(key, 60_000, details)
    if (typeof taken !== 'object') throw new Error(`a fresh key was ${taken}`)
    await ledger.commit(taken)
    return
  }
  const lease = await ledger.acquire(key, 60_000)
  if (!lease) throw new Error('a fresh key was already claimed')
  const marked = await ledger.mark(lease, details)
  if (marked !== 'marked') throw new Error(`a fresh key was ${marked}`)
  await ledger.commit(lease)
}

/** Runs `operation` from `concurrency` loops for `seconds`; counts completed operations. */
async function timed(
  operation: () => Promise<unknown>,
  concurrency: number,
  seconds: number,
): Promise<{ ops: number; sec: number }> {
  const started = performance.now()
  const until = started + seconds * 1000
  let ops = 0
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < until) {
        await operation()
        ops++
      }
    }),
  )
  return { ops, sec: (performance.now() - started) / 1000 }
}

interface Parts {
  floor: () => Promise<unknown>
  ledger: Ledger
  redisCounts?: () => Record<string, number>
  close(): Promise<void>
}

async function postgresParts(
  count: () => void,
  where: { databaseUrl: string; redisUrl: string; dbPooling?: 'transaction' },
): Promise<Parts> {
  // Both sides get the pool the ledger makes from a URL: 10 connections.
  const floorPool = new pg.Pool({ connectionString: where.databaseUrl, max: 10 })
  const pool = ledgerPool(where.databaseUrl, where.dbPooling)
  const db = new Kysely({ dialect: new PostgresDialect({ pool }), log: count })
  const redis = countingRedis(where.redisUrl)
  const ledger = redisPostgresLedger({ redis: redis.redis, db, keyPrefix: config.keyPrefix })
  return {
    floor: () => floorPool.query(...rawInsert()),
    ledger,
    redisCounts: redis.counts,
    async close() {
      await ledger.close()
      await db.destroy()
      redis.redis.disconnect()
      await floorPool.end()
    },
  }
}

async function pgliteParts(): Promise<Parts> {
  const root = await mkdtemp(join(tmpdir(), 'tx402-bench-'))
  // The floor: a PGlite of its own, on disk too, with the ledger's table.
  const floorLite = await PGlite.create(join(root, 'floor'))
  const floorDb = new Kysely({ dialect: pgliteDialect(floorLite) })
  await migrate(floorDb)
  const ledger = embeddedLedger({ dataDir: join(root, 'ledger') })
  await ledger.ready()
  return {
    floor: () => floorLite.query(...rawInsert()),
    ledger,
    async close() {
      await ledger.close()
      await floorDb.destroy()
      await rm(root, { recursive: true, force: true })
    },
  }
}
