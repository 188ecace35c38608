import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { request, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import Router from '@koa/router'
import type { Ledger } from '@tx402/core'
import { type PaymentRequiredOptions, paymentRequired } from '@tx402/koa'
import { describeWithServices } from '@tx402/testing/services'
import Koa from 'koa'
import { type AnvilCredit, startAnvilCredit } from './test/credit/anvilCredit.js'
import { centOnAnvil } from './test/delivery/anvilPaywall.js'
import { redisPostgresUnderTest } from './test/ledgersUnderTest.js'
import { startNginx } from './test/nginx.js'

// limits.perClient behind a stock nginx (`X-Forwarded-For $proxy_add_x_forwarded_for`): a client
// that writes its own X-Forwarded-For, a new one per request, is still one client.
const secret = 'per-client-proxy-secret-at-least-32-bytes'
const perClient = { max: 3, windowMs: 60_000 }

/** GET `url` from the loopback address `from` with `headers`: the status. */
function getFrom(url: string, from: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const sent = request(url, { localAddress: from, headers, agent: false }, (response) => {
      response.resume()
      response.on('end', () => resolve(response.statusCode!))
    })
    sent.on('error', reject)
    sent.end()
  })
}

/** `count` bare random hashes from `from`, each with a made-up X-Forwarded-For: their statuses. */
async function rotatingFlood(url: string, from: string, count: number): Promise<number[]> {
  const statuses: number[] = []
  for (let i = 0; i < count; i++) {
    statuses.push(
      await getFrom(url, from, {
        'x-payment-tx': `0x${randomBytes(32).toString('hex')}`,
        'x-payment-chain': 'base',
        'x-forwarded-for': `203.0.113.${i + 1}`,
      }),
    )
  }
  return statuses
}

const verified = (statuses: number[]) => statuses.filter((status) => status !== 429).length

describeWithServices(
  'limits.perClient behind nginx (anvil, Redis + PostgreSQL)',
  ['postgres', 'redis', 'nginx'],
  function () {
    this.timeout(120_000)
    let lab: AnvilCredit
    let ledger: Ledger & { close(): Promise<void> }
    const stops: (() => Promise<void>)[] = []

    before(async () => {
      lab = await startAnvilCredit()
      ledger = await redisPostgresUnderTest(`tx402client:${randomBytes(4).toString('hex')}:`)
    })
    afterEach(async () => {
      for (const stop of stops.splice(0).reverse()) await stop()
    })
    after(async () => {
      await ledger?.close()
      await lab?.close()
    })

    /** The app as README told it to be set up behind a proxy (`app.proxy = true`), and nginx. */
    const behindNginx = async (identity: Partial<PaymentRequiredOptions>) => {
      const router = new Router()
      const paid = paymentRequired({
        ...centOnAnvil(lab, ledger, secret),
        // Bare hashes, no challenge: what a flood of guesses looks like.
        binding: 'none',
        // Each test's clients have their own addresses, so their own counts.
        limits: { perClient },
        ...identity,
      })
      router.get('/api/paid', paid, (ctx) => {
        ctx.body = { served: true }
      })
      const app = new Koa({ proxy: true })
      app.silent = true
      app.use(router.routes())
      const server: Server = app.listen(0, '127.0.0.1')
      await once(server, 'listening')
      stops.push(async () => {
        server.closeAllConnections()
        await new Promise((resolve) => server.close(resolve))
      })
      const nginx = await startNginx({ upstreamPort: (server.address() as AddressInfo).port })
      stops.push(() => nginx.stop())
      return `${nginx.url}/api/paid`
    }

    it('with trustedProxies: 1, a client rotating X-Forwarded-For gets perClient.max verifications, no more', async () => {
      const url = await behindNginx({ trustedProxies: 1 })
      const statuses = await rotatingFlood(url, '127.0.0.2', 12)
      assert.equal(verified(statuses), perClient.max, `statuses: ${statuses.join(' ')}`)
      assert.deepEqual(statuses.slice(perClient.max), Array(12 - perClient.max).fill(429))
      // Another client, at its own address, still has its own count.
      const other = await rotatingFlood(url, '127.0.0.3', 4)
      assert.equal(verified(other), perClient.max, `statuses: ${other.join(' ')}`)
    })

    it('by default no header steers the key: every request through nginx counts as nginx', async () => {
      const url = await behindNginx({})
      const statuses = await rotatingFlood(url, '127.0.0.4', 12)
      assert.equal(verified(statuses), perClient.max, `statuses: ${statuses.join(' ')}`)
    })

    it('counts under clientKey when given, from the address found through trustedProxies', async () => {
      const url = await behindNginx({
        trustedProxies: ['127.0.0.1'],
        clientKey: (ctx, address) => `${ctx.get('x-tenant') || 'anonymous'}@${address}`,
      })
      const tenant = (name: string) =>
        getFrom(url, '127.0.0.5', {
          'x-payment-tx': `0x${randomBytes(32).toString('hex')}`,
          'x-payment-chain': 'base',
          'x-tenant': name,
        })
      const first: number[] = []
      for (let i = 0; i < 5; i++) first.push(await tenant('acme'))
      assert.equal(verified(first), perClient.max, `statuses: ${first.join(' ')}`)
      assert.notEqual(await tenant('globex'), 429)
    })

    it('refuses a trustedProxies that is neither a hop count nor addresses, at setup', () => {
      const options = { price: '0.01', chains: [lab.chain()], ledger, secret } as const
      assert.throws(() => paymentRequired({ ...options, trustedProxies: -1 }), /hop count/)
      assert.throws(() => paymentRequired({ ...options, trustedProxies: ['not-an-ip'] }), /CIDR/)
      assert.throws(
        () => paymentRequired({ ...options, trustedProxy: 1 } as PaymentRequiredOptions),
        /Did you mean "trustedProxies"\?/,
      )
    })
  },
)
