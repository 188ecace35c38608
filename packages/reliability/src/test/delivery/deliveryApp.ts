import { once } from 'node:events'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import Router from '@koa/router'
import type { ChainPlugin, Ledger } from '@tx402/core'
import { paymentRequired } from '@tx402/koa'
import Koa from 'koa'

/** What the delivery test app is built from. */
export interface DeliveryAppOptions {
  chain: ChainPlugin
  ledger: Ledger
  secret: string
  /** Called each time a paid handler runs, with its route name. */
  onHandler?(route: string): void
}

const quiet = { info() {}, warn() {}, error() {} }
export const chunkCount = 10
export const chunk = (n: number) => `chunk-${n};`
/** `/api/large`'s buffered body: more than loopback's socket buffers hold, so a client can leave mid-body. */
export const largeBodyBytes = 64 * 1024 * 1024

/**
 * The 10-chunk answer of `/api/chunks*`: chunks 0 to 8 at once, the last only once the response
 * closed (the client left) or, with `whole`, at once: a client that stops after 9 chunks has
 * really left mid-body.
 */
function tenChunks(res: Koa.Context['res'], whole: boolean, failAfter = chunkCount): Readable {
  let next = 0
  return new Readable({
    read() {
      if (next === failAfter) return void this.destroy(new Error('the source broke'))
      if (next < chunkCount - 1 || whole) {
        this.push(chunk(next++))
        if (next === chunkCount) this.push(null)
        return
      }
      if (next === chunkCount) return
      next++
      res.once('close', () => {
        this.push(chunk(chunkCount - 1))
        this.push(null)
      })
    },
  })
}

/**
 * Paid routes at 0.01 USDC (default binding: challenge and proof), each a way a Koa app answers:
 * `/api/own` pipes 10 chunks into `ctx.res` itself (`ctx.respond = false`); `/api/own-credit`
 * the same, selling nothing but spending the credit `/api/credit` sells (packs 0.03 and 1.00:
 * a 0.03 pack leaves 2 requests); `/api/search?q=` answers its query; `/api/chunks` streams 10
 * chunks as `ctx.body`, the last only after the client left unless `x-whole: yes`;
 * `/api/large` answers a 64 MiB buffer; `/api/own-chunks` pipes the same into `ctx.res` itself (`x-fail: mid`: the source breaks
 * after 3 chunks);
 * `/api/chunks-delivered` the same under `charge: 'delivered'`.
 *
 * @example const app = await listenDeliveryApp({ chain, ledger, secret })
 */
export function createDeliveryApp(options: DeliveryAppOptions): Koa {
  const base = {
    price: '0.01',
    asset: 'USDC',
    chains: [options.chain],
    ledger: options.ledger,
    secret: options.secret,
    logger: quiet,
  }
  const credit = { packs: ['0.03', '1.00'], expiresInSeconds: 3600 }
  const ran = (route: string) => options.onHandler?.(route)
  const router = new Router()
  const ownStream = async (ctx: Koa.Context) => {
    ran('own')
    ctx.respond = false
    ctx.res.statusCode = 200 // Koa starts every response at 404
    ctx.res.setHeader('content-type', 'text/plain')
    await pipeline(Readable.from(Array.from({ length: chunkCount }, (_, n) => chunk(n))), ctx.res)
  }
  router.get('/api/own', paymentRequired(base), ownStream)
  router.get('/api/own-credit', paymentRequired({ ...base, credit }), ownStream)
  router.get('/api/credit', paymentRequired({ ...base, credit }), (ctx) => {
    ran('credit')
    ctx.body = { served: true }
  })
  router.get('/api/search', paymentRequired(base), (ctx) => {
    ran('search')
    ctx.body = { q: ctx.query.q, answer: `results for ${ctx.query.q}` }
  })
  const chunks = (ctx: Koa.Context) => {
    ran('chunks')
    ctx.type = 'text/plain'
    ctx.body = tenChunks(ctx.res, ctx.get('x-whole') === 'yes')
  }
  router.get('/api/chunks', paymentRequired(base), chunks)
  router.get('/api/large', paymentRequired(base), (ctx) => {
    ran('large')
    ctx.type = 'application/octet-stream'
    ctx.body = Buffer.alloc(largeBodyBytes, 120)
  })
  router.get('/api/own-chunks', paymentRequired(base), async (ctx) => {
    ran('own-chunks')
    ctx.respond = false
    ctx.res.statusCode = 200
    ctx.res.setHeader('content-type', 'text/plain')
    const failAfter = ctx.get('x-fail') === 'mid' ? 3 : chunkCount
    await pipeline(tenChunks(ctx.res, ctx.get('x-whole') === 'yes', failAfter), ctx.res)
  })
  router.get('/api/chunks-delivered', paymentRequired({ ...base, charge: 'delivered' }), chunks)
  const app = new Koa()
  app.silent = true
  app.use(router.routes())
  return app
}

/** The delivery app listening on loopback. */
export async function listenDeliveryApp(options: DeliveryAppOptions) {
  const server: Server = createDeliveryApp(options).listen(0, '127.0.0.1')
  await once(server, 'listening')
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    port: (server.address() as AddressInfo).port,
    close: async () => {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    },
  }
}
