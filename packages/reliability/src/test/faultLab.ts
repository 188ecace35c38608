import { randomBytes } from 'node:crypto'
import { type AnvilNode, deployTestToken, startAnvil } from '@tx402/testing/evm'
import {
  pgbouncerPort,
  type RedisServer,
  redisClusterUrl,
  startRedisServer,
  type TcpProxy,
  tcpProxy,
  waitForClusterHealthy,
} from '@tx402/testing/faults'
import { Redis } from 'ioredis'
import pg from 'pg'
import type { Address } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { type ApiProcess, type ApiServerConfig, spawnApi } from './apiProcess.js'
import { databaseUrl, postgresServer, prepareDatabase } from './database.js'

/** Dev accounts that pay (one client each), the one that pays someone else, and the one whose
 * payment is held by a process that gets killed. */
export const payerAccounts = [1, 2, 3] as const
export const strangerAccount = 4
export const holderAccount = 5

/** Everything the fault scenarios run on, and the knobs that break it. */
export interface FaultLab {
  /** The chain the API processes verify on (Base's id, 8453). */
  node: AnvilNode
  /** Another chain (id 84532), for an RPC that answers for the wrong chain. */
  otherChain: AnvilNode
  token: Address
  /** A wallet of this run only: its ledger rows are this run's. */
  payTo: Address
  /** In front of the private redis-server, PostgreSQL and the anvil RPC. */
  redisProxy: TcpProxy
  postgresProxy: TcpProxy
  rpcProxy: TcpProxy
  config: ApiServerConfig
  /** API processes taking traffic now. */
  apis: ApiProcess[]
  /** Every API process ever started, killed ones too (their lines still count). */
  everyApi: ApiProcess[]
  /** Straight to PostgreSQL, for the checks. */
  pool: pg.Pool
  /** Strings no response may contain: RPC and database addresses, the RPC key, the secret. */
  secrets: string[]
  /** Kills the private redis-server (SIGKILL: everything in it is lost). */
  stopRedis(): Promise<void>
  /** Starts it again on the same port, empty. */
  startRedis(): Promise<void>
  /** FLUSHALL on the private redis-server. */
  flushRedis(): Promise<void>
  /** Starts one more API process on the same configuration and puts it in `apis`. */
  addApi(name: string): Promise<ApiProcess>
  close(): Promise<void>
}

/**
 * Starts the lab: two anvil nodes, a test USDC, a private redis-server, the three proxies, the
 * suite's database, and `apiCount` API processes sharing the ledger through the proxies. With
 * `ledger: 'scale-out'` the processes use the Redis Cluster of tools/test-services.sh instead (seed
 * URL, no proxy: a cluster client talks to every node) and reach PostgreSQL through PgBouncer in
 * transaction pooling mode (the PostgreSQL proxy is in front of PgBouncer).
 *
 * @example const lab = await startFaultLab({ apiCount: 2, claimTtlMs: 3_000 })
 */
export async function startFaultLab(options: {
  apiCount: number
  claimTtlMs: number
  ledger?: 'single' | 'scale-out'
}): Promise<FaultLab> {
  const scaleOut = options.ledger === 'scale-out'
  const closers: (() => Promise<unknown> | unknown)[] = []
  const close = async () => {
    for (const step of closers.splice(0).reverse()) await Promise.resolve(step()).catch(() => {})
  }
  try {
    const [node, otherChain] = await Promise.all([
      startAnvil({ chainId: 8453 }),
      startAnvil({ chainId: 84532 }),
      prepareDatabase(),
      scaleOut ? waitForClusterHealthy(10_000) : undefined,
    ])
    closers.push(
      () => node.stop(),
      () => otherChain.stop(),
    )
    const payTo = privateKeyToAccount(generatePrivateKey()).address
    const token = await deployTestToken(node, {
      mint: [...payerAccounts, strangerAccount, holderAccount].map(
        (index) => [node.accounts[index]!.address, 1_000_000_000n] as const,
      ),
    })

    let redis: RedisServer = await startRedisServer()
    closers.push(() => redis.stop())
    const admin = new Redis(redis.url, { maxRetriesPerRequest: 1, lazyConnect: true })
    admin.on('error', () => {})
    closers.push(() => admin.disconnect())

    const rpcPort = Number(new URL(node.rpcUrl).port)
    const [redisProxy, postgresProxy, rpcProxy] = await Promise.all([
      tcpProxy({ host: '127.0.0.1', port: redis.port }),
      tcpProxy(scaleOut ? { ...postgresServer, port: pgbouncerPort } : postgresServer),
      tcpProxy({ host: '127.0.0.1', port: rpcPort }),
    ])
    closers.push(
      () => redisProxy.close(),
      () => postgresProxy.close(),
      () => rpcProxy.close(),
    )
    // An API key in the RPC URL, as hosted RPCs have: no response may ever show it.
    const rpcKey = `rpc-key-${randomBytes(8).toString('hex')}`
    const secret = `reliability-secret-${randomBytes(16).toString('hex')}`
    const config: ApiServerConfig = {
      rpcUrl: `http://127.0.0.1:${rpcProxy.port}/?apikey=${rpcKey}`,
      token,
      payTo,
      redisUrl: scaleOut ? redisClusterUrl : `redis://127.0.0.1:${redisProxy.port}`,
      databaseUrl: databaseUrl(postgresProxy.port),
      ...(scaleOut ? { dbPooling: 'transaction' as const } : {}),
      keyPrefix: `tx402rel:${randomBytes(4).toString('hex')}:`,
      secret,
      claimTtlMs: options.claimTtlMs,
    }
    const pool = new pg.Pool({ connectionString: databaseUrl(), max: 2 })
    pool.on('error', () => {})
    closers.push(() => pool.end())

    const apis: ApiProcess[] = []
    const everyApi: ApiProcess[] = []
    closers.push(() => Promise.all(everyApi.map((api) => api.stop())))
    const addApi = async (name: string) => {
      const api = await spawnApi(name, config)
      everyApi.push(api)
      apis.push(api)
      return api
    }
    await Promise.all(
      Array.from({ length: options.apiCount }, (_, i) => addApi(String.fromCharCode(97 + i))),
    )

    return {
      node,
      otherChain,
      token,
      payTo,
      redisProxy,
      postgresProxy,
      rpcProxy,
      config,
      apis,
      everyApi,
      pool,
      secrets: [
        rpcKey,
        secret,
        `127.0.0.1:${rpcProxy.port}`,
        `127.0.0.1:${rpcPort}`,
        `127.0.0.1:${redisProxy.port}`,
        `127.0.0.1:${redis.port}`,
        `127.0.0.1:${postgresProxy.port}`,
        '127.0.0.1:5432',
        'postgres://',
        'redis://',
        'redis+cluster://',
        '127.0.0.1:700',
        `127.0.0.1:${pgbouncerPort}`,
      ],
      stopRedis: () => redis.stop(),
      async startRedis() {
        redis = await startRedisServer(redis.port)
      },
      async flushRedis() {
        if (admin.status === 'wait') await admin.connect()
        if ((await admin.flushall()) !== 'OK') throw new Error('FLUSHALL failed')
      },
      addApi,
      close,
    }
  } catch (error) {
    await close()
    throw error
  }
}
