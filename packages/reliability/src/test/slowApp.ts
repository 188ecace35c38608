import Router from '@koa/router'
import type { Ledger } from '@tx402/core'
import { confirmedPayment, scriptedChain } from '@tx402/core/testing'
import { paymentRequired } from '@tx402/koa'
import Koa from 'koa'

/**
 * `GET /slow` behind `paymentRequired` on a scripted chain that confirms every payment, whose
 * handler takes `handlerMs` and calls `onHandler` each time it runs.
 *
 * @example const app = createSlowApp({ ledger, secret, claimTtlMs: 400, handlerMs: 1200, onHandler })
 */
export function createSlowApp(options: {
  ledger: Ledger
  secret: string
  claimTtlMs: number
  handlerMs: number
  onHandler(transaction: string): void
}): Koa {
  const quiet = { info() {}, warn() {}, error() {} }
  const router = new Router()
  router.get(
    '/slow',
    paymentRequired({
      price: '0.01',
      asset: 'USDC',
      chains: [scriptedChain({ otherwise: confirmedPayment }).plugin],
      ledger: options.ledger,
      secret: options.secret,
      claimTtlMs: options.claimTtlMs,
      logger: quiet,
    }),
    async (ctx) => {
      options.onHandler(ctx.state.payment!.transaction)
      await new Promise((resolve) => setTimeout(resolve, options.handlerMs))
      ctx.body = { served: ctx.state.payment!.transaction, pid: process.pid }
    },
  )
  const app = new Koa()
  app.silent = true
  app.use(router.routes())
  return app
}
