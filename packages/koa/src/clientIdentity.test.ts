import assert from 'node:assert/strict'
import { hash, type PaidServer, silent, startPaidServer } from './test/paidServer.js'

// Who a client is for limits.perClient, over real HTTP without a proxy: a header the client
// writes never makes it someone else (the nginx cases: packages/reliability).
describe('@tx402/koa per-client key', () => {
  const servers: PaidServer[] = []
  afterEach(async () => {
    for (const server of servers.splice(0)) await server.close()
  })
  const start = async (options: Parameters<typeof startPaidServer>[1], proxy = true) => {
    const server = await startPaidServer(
      (app, router, paid) => {
        app.proxy = proxy
        router.get('/paid', paid, (ctx) => {
          ctx.body = { ok: true }
        })
      },
      { limits: { notFoundCacheMs: 0, perClient: { max: 2, windowMs: 60_000 } }, ...options },
    )
    servers.push(server)
    return server
  }
  const statuses = async (server: PaidServer, headers: (i: number) => Record<string, string>) => {
    const seen: number[] = []
    for (let i = 0; i < 5; i++) {
      const response = await server.pay('/paid', hash(1000 + i), { headers: headers(i) })
      await response.arrayBuffer()
      seen.push(response.status)
    }
    return seen
  }

  it('counts a client rotating X-Forwarded-For as one, with app.proxy set, and warns once', async () => {
    const warnings: string[] = []
    const server = await start({ logger: { ...silent, warn: (_o, m) => warnings.push(m ?? '') } })
    const seen = await statuses(server, (i) => ({ 'x-forwarded-for': `198.51.100.${i}` }))
    assert.deepEqual(seen, [402, 402, 429, 429, 429])
    assert.equal(warnings.filter((m) => /trustedProxies/.test(m)).length, 1)
  })

  it('falls back to the address when clientKey answers empty', async () => {
    const server = await start({ clientKey: (ctx) => ctx.get('x-api-key') })
    assert.deepEqual(await statuses(server, () => ({})), [402, 402, 429, 429, 429])
  })

  it('counts apart the keys clientKey gives', async () => {
    const server = await start({ clientKey: (ctx) => ctx.get('x-api-key') }, false)
    const seen = await statuses(server, (i) => ({ 'x-api-key': `key-${i % 2}` }))
    assert.deepEqual(seen, [402, 402, 402, 402, 429])
  })
})
