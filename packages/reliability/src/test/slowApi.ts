// An API process for the long-handler test, spawned by `spawnApi(name, config, './slowApi.ts')`:
// `GET /slow` behind `paymentRequired` on a Redis + PostgreSQL ledger and a scripted chain that
// confirms every payment, whose handler takes `handlerMs`. It writes JSON lines: `listening`,
// and `handler` each time the handler runs.
import { redisPostgresLedger } from '@tx402/ledger'
import { serveApiProcess } from './serveApiProcess.js'
import { createSlowApp } from './slowApp.js'

/** What a slow API process is given (as JSON in `TX402_RELIABILITY_API`). */
export interface SlowApiConfig {
  redisUrl: string
  databaseUrl: string
  keyPrefix: string
  secret: string
  claimTtlMs: number
  handlerMs: number
}

const config = JSON.parse(process.env.TX402_RELIABILITY_API!) as SlowApiConfig
const line = (fields: object) => process.stdout.write(`${JSON.stringify(fields)}\n`)
const ledger = redisPostgresLedger({
  redis: config.redisUrl,
  db: config.databaseUrl,
  keyPrefix: config.keyPrefix,
  logger: { info() {}, warn() {}, error() {} },
})
const app = createSlowApp({
  ledger,
  secret: config.secret,
  claimTtlMs: config.claimTtlMs,
  handlerMs: config.handlerMs,
  onHandler: (tx) => line({ event: 'handler', tx, pid: process.pid }),
})
serveApiProcess({
  app,
  ledger,
  onListening: (port) => line({ event: 'listening', port }),
})
