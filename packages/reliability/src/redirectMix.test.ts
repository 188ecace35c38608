import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { callPaidEndpoint, memoryJournal, type Payer } from '@tx402/client'
import { evmPayer } from '@tx402/client/evm'
import { embeddedLedger } from '@tx402/ledger'
import { type AnvilCredit, startAnvilCredit } from './test/credit/anvilCredit.js'
import { prng } from './test/prng.js'
import { countingLedger, listenRedirectApp, redirectStatuses } from './test/redirectApp.js'

// A seeded random mix of redirects answered to paid and credited requests (docs/protocol.md
// section 6.3), GET and POST, 301/302/303/307/308, to same-origin paid and free targets, through
// @tx402/client and @tx402/koa on anvil with the embedded ledger. Tally: each call charged exactly
// what it was served (a POST's 3xx and a paid target, never a GET's 3xx), no payment header ever
// reaches a redirect's free target or carries a charged payment onward, and every transfer the
// payer made is consumed once or still journaled (no payer paying twice for one call).
describe('a random mix of redirects (seeded), on anvil', function () {
  this.timeout(300_000)
  const seed = Number(process.env.TX402_REDIRECT_SEED ?? 20261207)
  const calls = 40
  let lab: AnvilCredit
  let closeLedger: () => Promise<void>

  before(async () => {
    lab = await startAnvilCredit()
  })
  after(async () => {
    await closeLedger?.()
    await lab?.close()
  })

  it(`charges each call once per served answer, follows no redirect with payment headers (seed ${seed})`, async () => {
    const inner = embeddedLedger({
      dataDir: 'memory://',
      logger: { info() {}, warn() {}, error() {} },
    })
    closeLedger = () => inner.close()
    await inner.ready()
    const { ledger, counts } = countingLedger(inner)
    const app = await listenRedirectApp({
      chain: lab.chain(),
      ledger,
      secret: 'redirect-mix-secret-at-least-32-bytes!!',
    })
    try {
      const signed: string[] = []
      const base = evmPayer({
        walletClient: lab.node.wallet(1),
        publicClient: lab.node.publicClient,
        assets: [{ address: lab.token, symbol: 'USDC', decimals: 6 }],
      })
      const payer: Payer = {
        ...base,
        getNetwork: () => base.getNetwork(),
        supports: (asset) => base.supports(asset),
        async sign(option, limits) {
          signed.push(option.amount)
          return base.sign(option, limits)
        },
      }
      const journal = memoryJournal()
      const rng = prng(seed)
      const settled = () =>
        counts.commits + counts.releases + counts.creditCommits + counts.creditReleases
      const tally = {
        calls: 0,
        redirectsRead: 0,
        charges: 0,
        transfers: 0,
        byStatus: {} as Record<string, number>,
      }

      for (let i = 0; i < calls; i++) {
        const method = rng.pick(['GET', 'POST'] as const)
        const status = rng.pick(redirectStatuses)
        const target = rng.pick(['paid', 'free'] as const)
        const buy = rng.chance(0.5)
        const chargesBefore = counts.commits + counts.creditCommits
        const signedBefore = signed.length
        const response = await callPaidEndpoint(
          `${app.origin}/r/${status}/${target}`,
          {
            method,
            headers: { 'x-call': String(i) },
            ...(method === 'POST' ? { body: `{"call":${i}}` } : {}),
          },
          { payers: [payer], journal, ...(buy ? { credit: { buy: 'smallest' as const } } : {}) },
        )
        assert.equal(response.status, 200, `call ${i}: ${method} ${status} ${target}`)
        await response.arrayBuffer()
        // Every handler run settles once (commit or release) after its last byte.
        for (let wait = 0; settled() < app.handled && wait < 250; wait++) await sleep(20)
        assert.equal(settled(), app.handled, `call ${i}: every served answer settled`)

        const expected = (method === 'POST' ? 1 : 0) + (target === 'paid' ? 1 : 0)
        const charges = counts.commits + counts.creditCommits - chargesBefore
        const transfers = signed.length - signedBefore
        const label = `call ${i}: ${method} ${status} to ${target} (buy ${buy})`
        assert.equal(charges, expected, `${label}: charged ${charges}`)
        assert.ok(transfers <= Math.max(1, expected), `${label}: ${transfers} transfers`)
        tally.calls++
        tally.charges += charges
        tally.transfers += transfers
        tally.redirectsRead++
        tally.byStatus[`${method} ${status}`] = (tally.byStatus[`${method} ${status}`] ?? 0) + 1
      }

      // No payment header reached a free target: the only way there is following a redirect.
      const leaked = app.seen.filter((r) => r.path === '/api/free' && r.paymentHeaders.length > 0)
      assert.deepEqual(leaked, [])
      // A payment a POST's 3xx consumed is never presented anywhere after.
      const charged = new Set(app.chargedAtSource)
      const carriedOn = app.seen.filter(
        (r) => r.tx && charged.has(r.tx) && !r.path.startsWith('/r/'),
      )
      assert.deepEqual(carriedOn, [])
      // Every transfer is consumed once in the ledger, or still journaled for its route.
      assert.equal(signed.length, counts.commits + (await journal.list()).length)
      console.log(`      redirect mix tally: ${JSON.stringify({ seed, ...tally, ...counts })}`)
    } finally {
      await app.close()
    }
  })
})
