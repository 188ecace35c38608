// A paid Koa API in its own process, for the CLI's tests: GET /api/weather (0.01 USDC) on the
// ledger and chains given as JSON in TX402_PAID_API, and GET /api/slow, whose handler says
// "handling <tx>" on stdout and never returns (a process to SIGKILL while it holds a claim).
import type { AddressInfo } from 'node:net'
import { base } from '@tx402/chain-base'
import { solana } from '@tx402/chain-solana'
import type { ChainPlugin, Ledger } from '@tx402/core'
import { paymentRequired } from '@tx402/koa'
import { embeddedLedger, migrate, redisPostgresLedger } from '@tx402/ledger'
import Koa from 'koa'

/** What the paid API runs on. */
export interface PaidApiConfig {
  secret: string
  ledger: { databaseUrl: string; redisUrl: string } | { dataDir: string }
  base?: { rpcUrl: string; token: string; payTo: string }
  solana?: { rpcUrl: string; network: string; mint: string; payTo: string }
  claimTtlMs?: number
}

const config = JSON.parse(process.env.TX402_PAID_API!) as PaidApiConfig
const chains: ChainPlugin[] = []
if (config.base) {
  const { rpcUrl, token, payTo } = config.base
  chains.push(
    base({
      rpcUrl,
      payTo,
      confirmations: 1,
      assets: [{ standard: 'erc20', address: token, symbol: 'USDC', decimals: 6 }],
    }),
  )
}
if (config.solana) {
  const { rpcUrl, network, mint, payTo } = config.solana
  chains.push(
    solana({
      rpcUrl,
      payTo,
      network: network as `solana:${string}`,
      assets: [{ standard: 'spl', mint, symbol: 'USDC', decimals: 6 }],
    }),
  )
}
let ledger: Ledger & { close(): Promise<void> }
if ('dataDir' in config.ledger) {
  const embedded = embeddedLedger({ dataDir: config.ledger.dataDir })
  await embedded.ready()
  ledger = embedded
} else {
  await migrate(config.ledger.databaseUrl)
  ledger = redisPostgresLedger({ db: config.ledger.databaseUrl, redis: config.ledger.redisUrl })
}
const paid = paymentRequired({
  chains,
  ledger,
  secret: config.secret,
  price: '0.01',
  asset: 'USDC',
  // The tests pay with the transaction alone: what they check is the CLI reading the ledger.
  binding: 'none',
  ...(config.claimTtlMs ? { claimTtlMs: config.claimTtlMs } : {}),
})

const app = new Koa()
app.use(async (ctx, next) => {
  if (ctx.path === '/api/weather') {
    return paid(ctx, async () => {
      ctx.body = { forecast: 'sunny', paidBy: ctx.state.payment!.payer }
    })
  }
  if (ctx.path === '/api/slow') {
    return paid(ctx, async () => {
      process.stdout.write(`handling ${ctx.state.payment!.transaction}\n`)
      await new Promise(() => {})
    })
  }
  return next()
})
const server = app.listen(0, '127.0.0.1', () => {
  process.stdout.write(`listening http://127.0.0.1:${(server.address() as AddressInfo).port}\n`)
})
process.once('SIGTERM', () => {
  server.closeAllConnections()
  server.close(() => void ledger.close().then(() => process.exit(0)))
})
