import { once } from 'node:events'
import { type AddressInfo, connect } from 'node:net'
import Router from '@koa/router'
import { type Ledger, memoryLedger } from '@tx402/core'
import { type ScriptedChain, scriptedChain } from '@tx402/core/testing'
import Koa from 'koa'
import { type PaymentRequiredOptions, paymentRequired } from '../paymentRequired.js'

export const secret = 'koa-delivery-secret-at-least-32-bytes!!'
export const silent = { info() {}, warn() {}, error() {} }
export const hash = (n: number) => `0x${n.toString(16).padStart(64, '0')}`

/** A listening Koa app with one scripted chain; `build` mounts the routes under test. */
export interface PaidServer {
  url: string
  port: number
  chain: ScriptedChain
  ledger: Ledger
  /** GETs or POSTs `path` paying with `tx` (plus any extra headers). */
  pay(
    path: string,
    tx: string,
    init?: { method?: string; headers?: Record<string, string>; body?: string },
  ): Promise<Response>
  close(): Promise<void>
}

export async function startPaidServer(
  build: (app: Koa, router: Router, paid: Koa.Middleware) => void,
  options: Partial<PaymentRequiredOptions> & { ledger?: Ledger } = {},
): Promise<PaidServer> {
  const chain = scriptedChain()
  const ledger = options.ledger ?? memoryLedger()
  const paid = paymentRequired({
    price: '0.01',
    asset: 'USDC',
    chains: [chain.plugin],
    secret,
    logger: silent,
    ...options,
    ledger,
  })
  const app = new Koa()
  app.silent = true
  const router = new Router()
  build(app, router, paid)
  app.use(router.routes())
  const server = app.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const port = (server.address() as AddressInfo).port
  const url = `http://127.0.0.1:${port}`
  return {
    url,
    port,
    chain,
    ledger,
    pay: (path, tx, init = {}) =>
      fetch(`${url}${path}`, {
        method: init.method ?? 'GET',
        headers: { 'x-payment-tx': tx, 'x-payment-chain': 'testnet', ...init.headers },
        ...(init.body !== undefined ? { body: init.body } : {}),
      }),
    close: async () => {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    },
  }
}

/**
 * Sends a paid GET on a raw socket and destroys the socket after `afterMs` (a client that gives
 * up before the answer), resolving once it is gone.
 */
export async function abandonRequest(port: number, path: string, tx: string, afterMs: number) {
  const socket = connect(port, '127.0.0.1')
  await once(socket, 'connect')
  socket.write(
    `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nx-payment-tx: ${tx}\r\nx-payment-chain: testnet\r\n\r\n`,
  )
  socket.on('error', () => {})
  await new Promise((resolve) => setTimeout(resolve, afterMs))
  socket.destroy()
}

/** Resolves when `check` holds, polling every 10 ms for up to `timeoutMs`. */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 5_000) {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

/** The `error` code of a JSON error body. */
export const errorOf = async (response: Response) =>
  ((await response.json()) as { error?: string }).error

/** Pays again while the answer is 409 (the last request's payment is still settling). */
export async function payOnce(server: PaidServer, path: string, tx: string, init = {}) {
  for (let attempt = 0; ; attempt++) {
    const response = await server.pay(path, tx, init)
    if (response.status !== 409 || attempt === 50) return response
    if ((await errorOf(response.clone())) !== 'payment_in_progress') return response
    await response.arrayBuffer()
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}
