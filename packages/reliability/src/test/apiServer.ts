// One API process of the fault suite, spawned by `spawnApi`: the paid app on the Redis +
// PostgreSQL ledger and the Base plugin, everything reached through the suite's proxies. It writes
// pino JSON lines to stdout (the engine's decision lines, and `listening`, `paid`, `held` events),
// reads `release` from stdin, and exits when stdin closes (its parent is gone).
import { redisPostgresLedger } from '@tx402/ledger'
import { prometheusObserver } from '@tx402/metrics'
import { pino } from 'pino'
import type { ApiServerConfig } from './apiProcess.js'
import { createPaidApp } from './paidApp.js'
import { serveApiProcess } from './serveApiProcess.js'
import { usdcOnBase } from './usdcOnBase.js'

const config = JSON.parse(process.env.TX402_RELIABILITY_API!) as ApiServerConfig
// Synchronous writes: a line written before a SIGKILL is a line the parent reads.
const logger = pino({ base: { pid: process.pid } }, pino.destination({ fd: 1, sync: true }))

// Faults are found in about a second, so a scenario takes seconds, not minutes.
const chain = usdcOnBase(config, { timeoutMs: 1_000, retryCount: 0 })
const ledger = redisPostgresLedger({
  redis: config.redisUrl,
  db: config.databaseUrl,
  keyPrefix: config.keyPrefix,
  ...(config.dbPooling ? { dbPooling: config.dbPooling } : {}),
  logger,
})
const { app, release } = createPaidApp({
  chain,
  ledger,
  secret: config.secret,
  logger,
  observer: prometheusObserver(),
  claimTtlMs: config.claimTtlMs,
  onPaid: (receipt) => logger.info({ event: 'paid', tx: receipt.transaction }, 'paid'),
  onHold: (tx) => logger.info({ event: 'held', tx }, 'holding a claimed payment'),
})

serveApiProcess({
  app,
  ledger,
  onListening: (port) => logger.info({ event: 'listening', port }, 'listening'),
  onCommand: (line) => {
    if (line === 'release') release()
  },
})
