// An API process of the crash-window test, spawned by
// `spawnApi(name, config, './credit/dyingCreditApi.ts')`: the credit app on the ledger named by
// the config, on the config's port. With `dieBeforeCommit`, every commit of a payment writes
// `committing` and never lands: the response went out whole, and the test kills the process
// (SIGKILL) in the window between the last byte and the commit (docs/protocol.md 6.1).
import type { Ledger } from '@tx402/core'
import { embeddedLedger, redisPostgresLedger } from '@tx402/ledger'
import { serveApiProcess } from '../serveApiProcess.js'
import { usdcOnBase } from '../usdcOnBase.js'
import { createCreditApp } from './creditApp.js'

/** What a crash-window API process is given (as JSON in `TX402_RELIABILITY_API`). */
export interface DyingCreditApiConfig {
  rpcUrl: string
  token: `0x${string}`
  payTo: `0x${string}`
  /** Redis + PostgreSQL when set; else the embedded ledger in `dataDir`. */
  redis?: { url: string; databaseUrl: string; keyPrefix: string }
  dataDir?: string
  secret: string
  port: number
  claimTtlMs: number
  dieBeforeCommit: boolean
}

const config = JSON.parse(process.env.TX402_RELIABILITY_API!) as DyingCreditApiConfig
const line = (fields: object) => process.stdout.write(`${JSON.stringify(fields)}\n`)
const quiet = { info() {}, warn() {}, error() {} }
// Reconciling as every process does by default, but often: a release of the lapsed purchase
// would show within the test.
const reconcileEveryMs = 200
const ledger = config.redis
  ? redisPostgresLedger({
      redis: config.redis.url,
      db: config.redis.databaseUrl,
      keyPrefix: config.redis.keyPrefix,
      logger: quiet,
      reconcileEveryMs,
    })
  : embeddedLedger({ dataDir: config.dataDir!, logger: quiet, reconcileEveryMs })
const served: Ledger = config.dieBeforeCommit
  ? new Proxy(ledger, {
      get(target, name) {
        if (name === 'commit') {
          return () => {
            line({ event: 'committing' })
            return new Promise<never>(() => {})
          }
        }
        const value = Reflect.get(target, name, target)
        return typeof value === 'function' ? value.bind(target) : value
      },
    })
  : ledger
const chain = usdcOnBase(config)
const app = createCreditApp({
  chain,
  ledger: served,
  secret: config.secret,
  claimTtlMs: config.claimTtlMs,
  onDecision: (decision) => line({ ...decision }),
})
serveApiProcess({
  app,
  ledger,
  port: config.port,
  onListening: (port) => line({ event: 'listening', port }),
})
