import { Readable } from 'node:stream'
import Router from '@koa/router'
import type {
  ChainPlugin,
  EngineHooks,
  Ledger,
  Logger,
  PaymentEngineOptions,
  VerificationLimits,
} from '@tx402/core'
import { type PaymentRequiredOptions, paymentRequired } from '@tx402/koa'
import type { PrometheusObserver } from '@tx402/metrics'
import Koa from 'koa'

/** What the test app is built from. */
export interface PaidAppOptions extends EngineHooks {
  chain: ChainPlugin
  ledger: Ledger
  secret: string
  logger: Logger
  observer?: PrometheusObserver
  claimTtlMs?: number
  limits?: VerificationLimits
  /**
   * Trust `X-Forwarded-For` from loopback for the client address (the per-client limit: each
   * hostile request names its client there, as a proxy on this host would). Default false.
   */
  proxy?: boolean
  /** Called by the paid route's handler each time it runs (it ran: the route was reached). */
  onHandler?(route: string, transaction: string): void
  /** Called when `/api/hold` has its payment and starts waiting for `release()`. */
  onHold?(transaction: string): void
  /** Called with every response Koa wrote: its status and the body's `error`, if any. */
  onResponse?(status: number, error: string | undefined): void
}

/** The app, and `release()` to let every `/api/hold` request that is waiting answer. */
export interface PaidApp {
  app: Koa
  release(): void
}

/**
 * The app both suites attack: `GET`/`POST /api/paid` behind `paymentRequired` at 0.01 USDC (the
 * payment is checked before any body is read, so an unpaid body is never parsed), `GET /api/hold`
 * whose handler waits for `release()` after the claim (to kill a process between claim and
 * commit), `GET /api/hold-send` whose response stops half-way until `release()` (to kill a
 * process while it sends a paid response), and `/metrics` when an observer is given.
 *
 * @example const { app } = createPaidApp({ chain, ledger, secret, logger })
 */
export function createPaidApp(options: PaidAppOptions): PaidApp {
  const engineOptions: PaymentEngineOptions = {
    price: '0.01',
    asset: 'USDC',
    chains: [options.chain],
    ledger: options.ledger,
    secret: options.secret,
    logger: options.logger,
    // Unbound, so the storms and faults reach the chain and ledger with bare transaction hashes;
    // the default binding's own refusals are tested end to end in chain-evm and chain-solana.
    binding: 'none',
    // Re-delivery off: a payment answered 200 twice is a payment served twice, as the tally counts.
    redeliveryWindowSeconds: 0,
    ...(options.observer ? { observer: options.observer } : {}),
    ...(options.claimTtlMs ? { claimTtlMs: options.claimTtlMs } : {}),
    ...(options.limits ? { limits: options.limits } : {}),
    ...(options.onPaid ? { onPaid: options.onPaid } : {}),
    ...(options.onRejected ? { onRejected: options.onRejected } : {}),
  }
  let waiting: (() => void)[] = []
  const router = new Router()
  const routeOptions: PaymentRequiredOptions = {
    ...engineOptions,
    ...(options.proxy ? { trustedProxies: 'loopback' } : {}),
  }
  const paid = paymentRequired(routeOptions)
  const serve = (ctx: Koa.Context) => {
    const transaction = ctx.state.payment!.transaction
    options.onHandler?.('paid', transaction)
    ctx.body = { served: transaction, pid: process.pid }
  }
  router.get('/api/paid', paid, serve)
  router.post('/api/paid', paid, serve)
  router.get('/api/hold', paymentRequired(routeOptions), async (ctx) => {
    const transaction = ctx.state.payment!.transaction
    options.onHandler?.('hold', transaction)
    await new Promise<void>((resolve) => {
      waiting.push(resolve)
      options.onHold?.(transaction)
    })
    ctx.body = { served: transaction, pid: process.pid }
  })
  // Its response starts (so the claim was confirmed) and stops half-way until `release()`: a
  // process killed then dies while sending a paid response, before its commit.
  router.get('/api/hold-send', paymentRequired(routeOptions), (ctx) => {
    const transaction = ctx.state.payment!.transaction
    options.onHandler?.('hold-send', transaction)
    let started = false
    ctx.type = 'application/json'
    ctx.body = new Readable({
      read() {
        if (started) return
        started = true
        this.push(`{"served":"${transaction}",`)
        waiting.push(() => {
          this.push(`"pid":${process.pid}}`)
          this.push(null)
        })
        options.onHold?.(transaction)
      },
    })
  })
  const { observer } = options
  if (observer) {
    router.get('/metrics', async (ctx) => {
      ctx.type = observer.registry.contentType
      ctx.body = await observer.registry.metrics()
    })
  }
  const app = new Koa({ proxy: options.proxy ?? false })
  const { onResponse } = options
  if (onResponse) {
    app.use(async (ctx, next) => {
      await next()
      onResponse(ctx.status, (ctx.body as { error?: string } | undefined)?.error)
    })
  }
  app.use(router.routes())
  return {
    app,
    release() {
      const now = waiting
      waiting = []
      for (const resolve of now) resolve()
    },
  }
}
