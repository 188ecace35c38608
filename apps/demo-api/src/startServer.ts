import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Ledger, Logger } from '@tx402/core'
import { embeddedLedger, migrate, redisPostgresLedger } from '@tx402/ledger'
import { prometheusObserver } from '@tx402/metrics'
import { createDemoApp, type DemoAppOptions, type DemoPage } from './app.js'
import { createChains } from './chains.js'
import type { DemoConfig } from './config.js'

/** A running demo API. */
export interface DemoServer {
  url: string
  ledgerKind: DemoConfig['ledger']['kind']
  stop(): Promise<void>
}

/**
 * Starts the demo API from a validated configuration: the chains it enables, the ledger (embedded
 * in `dataDir`, or Redis + PostgreSQL after running the migrations), metrics at `/metrics`.
 *
 * @example const server = await startServer(loadConfig(process.env))
 */
export async function startServer(
  config: DemoConfig,
  options: { host?: string; logger?: Logger; page?: DemoPage; cors?: DemoAppOptions['cors'] } = {},
): Promise<DemoServer> {
  const chains = createChains(config)
  const ledger = await openLedger(config)
  const app = createDemoApp({
    chains,
    ledger,
    secret: config.secret,
    priceWeather: config.priceWeather,
    priceEncrypt: config.priceEncrypt,
    observer: prometheusObserver(),
    ...(config.maxAgeSeconds !== undefined ? { maxAgeSeconds: config.maxAgeSeconds } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.page ? { page: options.page } : {}),
    ...(options.cors ? { cors: options.cors } : {}),
  })
  const server: Server = app.listen(config.port, options.host ?? '127.0.0.1')
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve)
    server.once('error', reject)
  })
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    ledgerKind: config.ledger.kind,
    async stop() {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
      await ledger.close?.()
      await Promise.all(chains.map((chain) => chain.close?.()))
    },
  }
}

async function openLedger(config: DemoConfig): Promise<Ledger> {
  if (config.ledger.kind === 'embedded') {
    const ledger = embeddedLedger({ dataDir: config.ledger.dataDir })
    await ledger.ready() // PGlite takes seconds to open: before the first request, not during it
    return ledger
  }
  const { databaseUrl, redisUrl } = config.ledger
  await migrate(databaseUrl)
  return redisPostgresLedger({ db: databaseUrl, redis: redisUrl })
}
