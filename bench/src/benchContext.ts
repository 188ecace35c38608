import { randomBytes } from 'node:crypto'
import type { VerificationLimits } from '@tx402/core'
import {
  pgbouncerPort,
  type RedisServer,
  redisClusterUrl,
  startRedisServer,
  waitForClusterHealthy,
} from '@tx402/testing/faults'
import { type BenchChain, price, startBenchChain } from './infra/benchChain.js'
import { prepareBenchDatabase } from './infra/benchDatabase.js'
import { type Child, startChild, stopAllChildren } from './infra/children.js'
import { killWithThisProcess } from './infra/killWithThisProcess.js'
import { type LoadGenerator, startLoadGenerator } from './load/loadGenerator.js'
import type { Figure } from './report/figure.js'
import type { KoaServerConfig, KoaServerStats, KoaServerTimings } from './servers/koaServer.js'

/** A Koa bench server process (see `servers/koaServer.ts`). */
export interface KoaServer {
  url: string
  /** Body bytes of one 402 of `/paid` (the bare route answers as many). */
  challengeBytes: number
  stats(): Promise<KoaServerStats>
  /** Takes (and clears) the durations the server measured. */
  timings(): Promise<KoaServerTimings>
  /** The process's memory (bytes) after a full garbage collection. */
  memory(): Promise<NodeJS.MemoryUsage>
  /**
   * Durations (ms) of a raw `eth_getTransactionReceipt` of each hash, one at a time, sent from
   * the server's process to its RPC: the floor of its on-chain verification, on the same path.
   */
  receiptTimes(hashes: readonly string[]): Promise<number[]>
  stop(): Promise<void>
}

/** What a benchmark is given: shared parts, started on first use and stopped at the end. */
export interface BenchContext {
  log(line: string): void
  /** The main load-generator process. */
  load(): Promise<LoadGenerator>
  /** A second load generator, for requests made while the main one runs a load. */
  probeLoad(): Promise<LoadGenerator>
  chain(): Promise<BenchChain>
  redis(): Promise<RedisServer>
  databaseUrl(): Promise<string>
  /**
   * The Redis Cluster (127.0.0.1:7001-7006) and the bench database through PgBouncer in
   * transaction pooling mode (127.0.0.1:6432), both started by `.ci/cluster.sh start`.
   */
  scaleOut(): Promise<{ redisUrl: string; databaseUrl: string }>
  /** The production-like server: Redis + PostgreSQL ledger, RPC through the counting proxy. */
  mainServer(): Promise<KoaServer>
  /** A new Koa server; `ledger: 'memory'` and no chain needed when only 402s are asked. */
  startKoaServer(options: {
    /** `scale-out`: Redis + PostgreSQL on the Redis Cluster and through PgBouncer. */
    ledger: 'memory' | 'redis-postgres' | 'scale-out'
    limits?: VerificationLimits
  }): Promise<KoaServer>
  /** Stops everything this context started. */
  close(): Promise<void>
}

/** One benchmark: a name for `pnpm bench <name>`, a line of what it shows, and its run. */
export interface Benchmark {
  name: string
  title: string
  run(context: BenchContext): Promise<Figure[]>
}

/** The Redis key prefix of every bench ledger (on the bench's private Redis, too). */
export const benchKeyPrefix = 'tx402bench:'
// Nowhere listens on port 9 (discard) on loopback: a 402-only server never calls its RPC.
const unusedRpcUrl = 'http://127.0.0.1:9'

/**
 * Makes the context of one `pnpm bench` run: each part starts when a benchmark first asks for
 * it, so `pnpm bench peer` starts no chain or database.
 *
 * @example const context = createBenchContext(console.log); try { … } finally { await context.close() }
 */
export function createBenchContext(log: (line: string) => void): BenchContext {
  const secret = randomBytes(32).toString('hex')
  const stops: (() => Promise<unknown>)[] = []
  const once = <T>(start: () => Promise<T>, stop?: (value: T) => Promise<unknown>) => {
    let started: Promise<T> | undefined
    return () => {
      started ??= start().then((value) => {
        if (stop) stops.push(() => stop(value))
        return value
      })
      return started
    }
  }

  const chain = once(
    async () => {
      log('starting anvil, deploying the test token, funding payers')
      return startBenchChain()
    },
    (c) => c.stop(),
  )
  const redisProcess = once(
    async () => {
      log('starting a private redis-server')
      const server = await startRedisServer()
      return { server, forget: killWithThisProcess(server.process.pid!) }
    },
    async ({ server, forget }) => {
      forget()
      await server.stop()
    },
  )
  const redis = async () => (await redisProcess()).server
  const databaseUrl = once(async () => {
    log('preparing PostgreSQL database tx402_bench (created if missing, migrated, emptied)')
    return prepareBenchDatabase()
  })
  const scaleOut = once(async () => {
    log('checking the Redis Cluster (7001-7006) and PgBouncer (6432) of .ci/cluster.sh')
    await waitForClusterHealthy(5_000)
    const pooled = new URL(await databaseUrl())
    pooled.port = String(pgbouncerPort)
    return { redisUrl: redisClusterUrl, databaseUrl: pooled.toString() }
  })
  const load = once(
    () => startLoadGenerator(),
    (l) => l.stop(),
  )
  const probeLoad = once(
    () => startLoadGenerator('probe load generator'),
    (l) => l.stop(),
  )

  const startKoaServer: BenchContext['startKoaServer'] = async (options) => {
    const needsChain = options.ledger !== 'memory'
    const c = needsChain ? await chain() : undefined
    const config: KoaServerConfig = {
      ledger:
        options.ledger === 'memory'
          ? { kind: 'memory' }
          : options.ledger === 'scale-out'
            ? {
                kind: 'redis-postgres',
                ...(await scaleOut()),
                keyPrefix: benchKeyPrefix,
                dbPooling: 'transaction',
              }
            : {
                kind: 'redis-postgres',
                redisUrl: (await redis()).url,
                databaseUrl: await databaseUrl(),
                keyPrefix: benchKeyPrefix,
              },
      chain: c
        ? { rpcUrl: c.rpcUrl, chainId: c.chainId, token: c.token, payTo: c.payTo }
        : {
            rpcUrl: unusedRpcUrl,
            chainId: 31337,
            token: '0x0000000000000000000000000000000000000001',
            payTo: '0x0000000000000000000000000000000000000002',
          },
      price,
      secret,
      warmRpc: needsChain,
      ...(options.limits ? { limits: options.limits } : {}),
    }
    const child: Child = await startChild(
      new URL('./servers/koaServer.ts', import.meta.url),
      config,
      {
        name: 'Koa bench server',
      },
    )
    const server: KoaServer = {
      url: String(child.ready.url),
      challengeBytes: Number(child.ready.challengeBytes),
      stats: async () =>
        (await child.request<{ type: string; stats: KoaServerStats }>({ type: 'stats' })).stats,
      timings: async () =>
        (await child.request<{ type: string; timings: KoaServerTimings }>({ type: 'timings' }))
          .timings,
      memory: async () =>
        (await child.request<{ type: string; memory: NodeJS.MemoryUsage }>({ type: 'memory' }))
          .memory,
      receiptTimes: async (hashes) =>
        (await child.request<{ type: string; times: number[] }>({ type: 'receipts', hashes }))
          .times,
      stop: () => child.stop(),
    }
    stops.push(() => server.stop())
    return server
  }
  const mainServer = once(async () => {
    log('starting the bench API (Koa + @tx402/koa, Redis + PostgreSQL ledger)')
    return startKoaServer({ ledger: 'redis-postgres' })
  })

  return {
    log,
    load,
    probeLoad,
    chain,
    redis,
    databaseUrl,
    scaleOut,
    mainServer,
    startKoaServer,
    async close() {
      // Servers and load generators first, then what they used.
      for (const stop of stops.reverse()) await stop().catch(() => {})
      await stopAllChildren()
    },
  }
}
