// A bench app in its own process: bare Koa at /bare, @tx402/koa at /paid (default binding) and
// /open (binding 'none'). Started by startChild.

import { monitorEventLoopDelay } from 'node:perf_hooks'
import { base } from '@tx402/chain-base'
import { type Ledger, memoryLedger, type VerificationLimits } from '@tx402/core'
import { type PaymentRequiredOptions, paymentRequired } from '@tx402/koa'
import { redisPostgresLedger } from '@tx402/ledger'
import Koa from 'koa'
import { Kysely, PostgresDialect } from 'kysely'
import { childConfig, failStartup, serveParent } from '../infra/childSide.js'
import { memoryAfterGc } from '../infra/collectGarbage.js'
import { countingRedis } from '../infra/countingRedis.js'
import { ledgerPool } from '../infra/ledgerPool.js'
import { rawReceipt } from '../infra/rawReceipt.js'
import { paddedBody } from './paddedBody.js'
import { serveOnLoopback } from './serveOnLoopback.js'

/** What the parent passes to this process. */
export interface KoaServerConfig {
  ledger:
    | { kind: 'memory' }
    | {
        kind: 'redis-postgres'
        /** `redis://`, or `redis+cluster://` seeds of a Redis Cluster. */
        redisUrl: string
        databaseUrl: string
        keyPrefix: string
        /** `'transaction'` when `databaseUrl` is PgBouncer in transaction pooling mode. */
        dbPooling?: 'session' | 'transaction'
      }
  chain: { rpcUrl: string; chainId: number; token: string; payTo: string }
  price: string
  secret: string
  limits?: VerificationLimits
  /** Ask the RPC for its chain id before listening, so no request pays for it. */
  warmRpc: boolean
}

/** Durations in ms, as the server measured them, since they were last taken. */
export interface KoaServerTimings {
  /** `plugin.verify` of each confirmed payment. */
  verification: number[]
  /** The engine's decision on each served payment: ledger and chain, not the route. */
  decision: number[]
  /** This process's event-loop delay in the period, p50 and p90 in ms (`monitorEventLoopDelay`). */
  eventLoopDelay?: { p50: number; p90: number }
}

/** The counters this process reports on `stats`. */
export interface KoaServerStats {
  /** On-chain verifications, by result (the engine's observer). */
  verifications: Record<string, number>
  /** Decisions by outcome (`served`, `tx_already_used`, …). */
  decisions: Record<string, number>
  /** SQL statements sent to PostgreSQL by the ledger. */
  postgresQueries: number
  /** Commands the ledger sent to Redis, by name (a script is one). */
  redisCommands: Record<string, number>
}

const config = childConfig<KoaServerConfig>()
// How long a ready callback waited for the loop: a request's each hop (HTTP, RPC, Redis, SQL)
// waits about this long when other requests keep the loop busy.
const loopDelay = monitorEventLoopDelay({ resolution: 5 })
loopDelay.enable()
const stats: KoaServerStats = {
  verifications: {},
  decisions: {},
  postgresQueries: 0,
  redisCommands: {},
}
let redisCounts = (): Record<string, number> => ({})
// Durations (ms) since the last `timings` request: verifications that confirmed, and decisions
// of served payments (the engine's whole work for one, without the route).
let timings = { verification: [] as number[], decision: [] as number[] }
const keep = (list: number[], ms: number) => {
  if (list.length < 100_000) list.push(ms)
}
const bump = (counts: Record<string, number>, key: string) => {
  counts[key] = (counts[key] ?? 0) + 1
}

// A raw receipt round trip per hash, one at a time, from this process (the `verify` bench's floor
// of the on-chain part: the same process, loopback path and proxy as the plugin's calls).
async function timeReceipts(rpcUrl: string, hashes: readonly string[]): Promise<number[]> {
  const times: number[] = []
  for (const [id, hash] of hashes.entries()) {
    const started = performance.now()
    await rawReceipt(rpcUrl, hash, id)
    times.push(performance.now() - started)
  }
  return times
}

try {
  const chain = base({
    rpcUrl: config.chain.rpcUrl,
    payTo: config.chain.payTo,
    network: `eip155:${config.chain.chainId}`,
    assets: [{ standard: 'erc20', address: config.chain.token, symbol: 'USDC', decimals: 6 }],
  })
  let ledger: Ledger
  let closeLedger = async () => {}
  if (config.ledger.kind === 'redis-postgres') {
    // The pool the ledger would make from a URL, with a counter on every statement.
    const pool = ledgerPool(config.ledger.databaseUrl, config.ledger.dbPooling)
    const db = new Kysely({
      dialect: new PostgresDialect({ pool }),
      log: () => {
        stats.postgresQueries++
      },
    })
    const redis = countingRedis(config.ledger.redisUrl)
    redisCounts = redis.counts
    const own = redisPostgresLedger({
      redis: redis.redis,
      db,
      keyPrefix: config.ledger.keyPrefix,
    })
    ledger = own
    closeLedger = async () => {
      await own.close()
      await db.destroy()
      redis.redis.disconnect()
    }
  } else {
    ledger = memoryLedger()
  }
  if (config.warmRpc) await chain.ready()

  const routeOptions: PaymentRequiredOptions = {
    price: config.price,
    asset: 'USDC',
    chains: [chain],
    ledger,
    secret: config.secret,
    ...(config.limits ? { limits: config.limits } : {}),
    logger: {
      info() {},
      warn: (object, message) => console.warn(message, object),
      error: (object, message) => console.error(message, object),
    },
    observer: {
      verification: (_chain, result, ms) => {
        bump(stats.verifications, result)
        if (result === 'confirmed') keep(timings.verification, ms)
      },
      decision: (decision) => {
        bump(stats.decisions, decision.outcome)
        if (decision.outcome === 'served') keep(timings.decision, decision.durationMs)
      },
    },
  }
  const paid = paymentRequired(routeOptions)
  // The same route without binding: a transaction hash alone pays, so a hash alone is what an
  // observer of the chain can replay (the `replay` bench).
  const open = paymentRequired({ ...routeOptions, binding: 'none' })
  // `/credit` (the `credit` bench): a price of one base unit, so one 0.01 payment buys 9,999
  // credited requests.
  const credited = ledger.credit
    ? paymentRequired({
        price: '0.000001',
        asset: 'USDC',
        chains: [chain],
        ledger,
        secret: config.secret,
        credit: { packs: ['0.01'] },
        logger: { info() {}, warn: console.warn, error: console.error },
        observer: { decision: (decision) => bump(stats.decisions, decision.outcome) },
      })
    : undefined
  let bare: object = { ok: true }
  const app = new Koa()
  app.use(async (ctx, next) => {
    if (ctx.path === '/bare') {
      ctx.body = bare
      return
    }
    if (ctx.path === '/paid') {
      return paid(ctx, async () => {
        ctx.body = { city: 'Lisbon', forecast: 'sunny', temperatureC: 21 }
      })
    }
    if (ctx.path === '/open') {
      return open(ctx, async () => {
        ctx.body = { city: 'Lisbon', forecast: 'sunny', temperatureC: 21 }
      })
    }
    if (ctx.path === '/credit' && credited) {
      return credited(ctx, async () => {
        ctx.body = { city: 'Lisbon', forecast: 'sunny', temperatureC: 21 }
      })
    }
    return next()
  })
  // The bare route answers as many body bytes as a 402 of the paid route.
  const server = await serveOnLoopback(app.callback())
  bare = paddedBody(server.challengeBytes)

  serveParent(
    { url: server.url, challengeBytes: server.challengeBytes },
    {
      stats: async () => ({ stats: { ...structuredClone(stats), redisCommands: redisCounts() } }),
      timings: async () => {
        const taken = {
          ...timings,
          eventLoopDelay: {
            p50: loopDelay.percentile(50) / 1e6,
            p90: loopDelay.percentile(90) / 1e6,
          },
        }
        timings = { verification: [], decision: [] }
        loopDelay.reset()
        return { timings: taken }
      },
      memory: async () => ({ memory: memoryAfterGc() }),
      receipts: async (message) => ({
        times: await timeReceipts(config.chain.rpcUrl, message.hashes as string[]),
      }),
    },
    async () => {
      await server.close()
      await closeLedger()
    },
  )
} catch (error) {
  failStartup(error)
}
