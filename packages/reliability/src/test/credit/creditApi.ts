// An API process of the credit tests, spawned by `spawnApi(name, config, './credit/creditApi.ts')`:
// the credit app on a Redis + PostgreSQL ledger and the Base plugin on anvil. It writes JSON
// lines: `listening`, and every decision line (`outcome`).
import { redisPostgresLedger } from '@tx402/ledger'
import { serveApiProcess } from '../serveApiProcess.js'
import { usdcOnBase } from '../usdcOnBase.js'
import { createCreditApp } from './creditApp.js'

/** What a credit API process is given (as JSON in `TX402_RELIABILITY_API`). */
export interface CreditApiConfig {
  rpcUrl: string
  token: `0x${string}`
  payTo: `0x${string}`
  redisUrl: string
  databaseUrl: string
  keyPrefix: string
  secret: string
}

const config = JSON.parse(process.env.TX402_RELIABILITY_API!) as CreditApiConfig
const line = (fields: object) => process.stdout.write(`${JSON.stringify(fields)}\n`)
const ledger = redisPostgresLedger({
  redis: config.redisUrl,
  db: config.databaseUrl,
  keyPrefix: config.keyPrefix,
  logger: { info() {}, warn() {}, error() {} },
})
const chain = usdcOnBase(config)
const app = createCreditApp({
  chain,
  ledger,
  secret: config.secret,
  onDecision: (decision) => line({ ...decision }),
})
serveApiProcess({ app, ledger, onListening: (port) => line({ event: 'listening', port }) })
