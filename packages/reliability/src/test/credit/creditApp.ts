import { Readable } from 'node:stream'
import Router from '@koa/router'
import type { ChainPlugin, Ledger, PaymentDecision, PaymentReceipt } from '@tx402/core'
import { paymentRequired } from '@tx402/koa'
import Koa from 'koa'

/** What the credit test app is built from. */
export interface CreditAppOptions {
  chain: ChainPlugin
  ledger: Ledger
  /** One secret, or a list to rotate (the first signs, every one verifies). */
  secret: string | readonly string[]
  /** Default '0.01'. */
  price?: string
  /** Default ['0.11', '1.00']. */
  packs?: string[]
  /** Default 3600: a balance outlives every test but the expiry one. */
  expiresInSeconds?: number
  claimTtlMs?: number
  /** Every decision line, for the tests that count credited requests. */
  onDecision?(decision: PaymentDecision): void
  /** Every receipt of a committed payment or spend. */
  onPaid?(receipt: PaymentReceipt): void
}

const quiet = { info() {}, warn() {}, error() {} }

/**
 * `GET /api/credit` at 0.01 USDC selling a 0.11 USDC pack (10 requests after the one it pays
 * for), under the default binding; `x-fail: throw | status | stream` makes the route fail after
 * the credit was reserved, and `/api/credit-slow` answers after `x-wait-ms`.
 *
 * @example const app = createCreditApp({ chain, ledger, secret })
 */
export function createCreditApp(options: CreditAppOptions): Koa {
  const paid = paymentRequired({
    price: options.price ?? '0.01',
    asset: 'USDC',
    chains: [options.chain],
    ledger: options.ledger,
    secret: options.secret,
    logger: {
      ...quiet,
      info: (object) => {
        if ('outcome' in object) options.onDecision?.(object as PaymentDecision)
      },
    },
    credit: {
      packs: options.packs ?? ['0.11', '1.00'],
      expiresInSeconds: options.expiresInSeconds ?? 3600,
    },
    ...(options.claimTtlMs ? { claimTtlMs: options.claimTtlMs } : {}),
    ...(options.onPaid ? { onPaid: options.onPaid } : {}),
  })
  const router = new Router()
  const serve = async (ctx: Koa.Context) => {
    const wait = Number(ctx.get('x-wait-ms') || 0)
    if (wait) await new Promise((resolve) => setTimeout(resolve, wait))
    const fail = ctx.get('x-fail')
    if (fail === 'throw') throw new Error('the route failed')
    if (fail === 'status') {
      ctx.status = 503
      ctx.body = { down: true }
      return
    }
    ctx.body =
      fail === 'stream'
        ? new Readable({
            read() {
              this.destroy(new Error('the source broke'))
            },
          })
        : { served: true, pid: process.pid, credit: ctx.state.payment?.credit?.use ?? null }
  }
  router.get('/api/credit', paid, serve)
  router.get('/api/credit-slow', paid, serve)
  const app = new Koa()
  app.silent = true
  app.use(router.routes())
  return app
}
