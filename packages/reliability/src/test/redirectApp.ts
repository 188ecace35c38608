import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import Router from '@koa/router'
import type { ChainPlugin, Ledger } from '@tx402/core'
import { paymentRequired } from '@tx402/koa'
import Koa from 'koa'

/** The statuses a redirecting route answers with. */
export const redirectStatuses = [301, 302, 303, 307, 308] as const

/** What the ledger did: payments and credit spends committed or released. */
export interface LedgerCounts {
  commits: number
  releases: number
  creditCommits: number
  creditReleases: number
}

/**
 * Wraps a ledger to count its settlements (the charges of docs/protocol.md section 6), leaving
 * everything else to it.
 */
export function countingLedger(inner: Ledger): { ledger: Ledger; counts: LedgerCounts } {
  const counts: LedgerCounts = { commits: 0, releases: 0, creditCommits: 0, creditReleases: 0 }
  const credit = inner.credit!
  const ledger = Object.assign(Object.create(inner) as Ledger, {
    commit: async (...args: Parameters<Ledger['commit']>) => {
      await inner.commit(...args)
      counts.commits++
    },
    release: async (...args: Parameters<Ledger['release']>) => {
      await inner.release(...args)
      counts.releases++
    },
    credit: Object.assign(Object.create(credit) as typeof credit, {
      commit: async (...args: Parameters<typeof credit.commit>) => {
        await credit.commit(...args)
        counts.creditCommits++
      },
      release: async (...args: Parameters<typeof credit.release>) => {
        await credit.release(...args)
        counts.creditReleases++
      },
    }),
  })
  return { ledger, counts }
}

/** One request the app received. */
export interface Seen {
  call: string
  method: string
  path: string
  /** The `x-payment-*` header names it carried. */
  paymentHeaders: string[]
  tx: string | undefined
}

/**
 * A Koa app selling credit (0.01 a request, packs of 0.05) with a paid route
 * `/r/:status/:target` for GET and POST that redirects with `status` to `/api/paid` (a paid
 * route, GET and POST) or `/api/free`; every request is recorded with its `x-call` id; `handled`
 * counts the paid handler runs (each settles exactly once).
 */
export async function listenRedirectApp(options: {
  chain: ChainPlugin
  ledger: Ledger
  secret: string
}) {
  const seen: Seen[] = []
  /** Transactions charged by a redirecting POST (the 3xx was its answer). */
  const chargedAtSource: string[] = []
  let handled = 0
  const app = new Koa()
  app.silent = true
  app.use((ctx, next) => {
    seen.push({
      call: ctx.get('x-call'),
      method: ctx.method,
      path: ctx.path,
      paymentHeaders: Object.keys(ctx.headers).filter((name) => name.startsWith('x-payment-')),
      tx: ctx.get('x-payment-tx') || undefined,
    })
    return next()
  })
  const paid = paymentRequired({
    price: '0.01',
    asset: 'USDC',
    chains: [options.chain],
    ledger: options.ledger,
    secret: options.secret,
    credit: { packs: ['0.05'] },
    logger: { info() {}, warn() {}, error() {} },
  })
  const router = new Router()
  const redirecting = (ctx: Koa.Context) => {
    handled++
    const status = Number(ctx.params.status)
    if (ctx.method === 'POST' && ctx.state.payment?.transaction) {
      chargedAtSource.push(ctx.state.payment.transaction)
    }
    ctx.status = status
    ctx.redirect(`/api/${ctx.params.target === 'paid' ? 'paid' : 'free'}`)
    ctx.status = status
  }
  router.get('/r/:status/:target', paid, redirecting)
  router.post('/r/:status/:target', paid, redirecting)
  const target = (ctx: Koa.Context) => {
    handled++
    ctx.body = { paid: true }
  }
  router.get('/api/paid', paid, target)
  router.post('/api/paid', paid, target)
  router.all('/api/free', (ctx) => {
    ctx.body = { free: true }
  })
  app.use(router.routes())
  const server = app.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    chargedAtSource,
    get handled() {
      return handled
    },
    close: async () => {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    },
  }
}
