// An API process for the long-handler test, spawned by `spawnApi(name, config, './slowApi.ts')`:
// `GET /slow` behind `paymentRequired` on a Redis + PostgreSQL ledger and a scripted chain that
// confirms every payment, whose handler takes `handlerMs`. It writes JSON lines: `listening`,
// and `handler` each time the handler runs.
import type { AddressInfo } from 'node:net'
import { createInterface } from 'node:readline'
import Router from '@koa/router'
import { confirmedPayment, scriptedChain } from '@tx402/core/testing'
import { paymentRequired } from '@tx402/koa'
import { redisPostgresLedger } from '@tx402/ledger'
import Koa from 'koa'

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
const router = new Router()
router.get(
  '/slow',
  paymentRequired({
    price: '0.01',
    asset: 'USDC',
    chains: [scriptedChain({ otherwise: confirmedPayment }).plugin],
    ledger,
    secret: config.secret,
    claimTtlMs: config.claimTtlMs,
    logger: { info() {}, warn() {}, error() {} },
  }),
  async (ctx) => {
    line({ event: 'handler', tx: ctx.state.payment!.transaction, pid: process.pid })
    await new Promise((resolve) => setTimeout(resolve, config.handlerMs))
    ctx.body = { served: ctx.state.payment!.transaction, pid: process.pid }
  },
)
const app = new Koa()
app.silent = true
app.use(router.routes())
const server = app.listen(0, '127.0.0.1')
server.once('listening', () => {
  line({ event: 'listening', port: (server.address() as AddressInfo).port })
})
const shutdown = async () => {
  server.closeAllConnections()
  server.close()
  await ledger.close()
  process.exit(0)
}
process.once('SIGTERM', () => void shutdown())
createInterface({ input: process.stdin }).once('close', () => void shutdown())
