import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { CliFixture } from './cliFixture.js'
import { runCli } from './runCli.js'
import { type PaidApi, spawnPaidApi } from './spawnPaidApi.js'

interface Amount {
  amount: string | null
  symbol: string | null
  raw: string
}

/** The fields of a row in `tx402 ledger list|show --json`. */
interface RowJson {
  chain: string
  network: string
  transaction: string
  status: string
  payer: string
  payTo: string
  asset: string
  amount: Amount
  resource: string
  createdAt: string
  consumedAt: string | null
  claimExpiresAt: string | null
}

/**
 * `tx402 ledger list|show|stats` and `tx402 migrate` on rows that real paid requests wrote, on
 * Redis + PostgreSQL and on the embedded ledger.
 */
export function ledgerTests(fixture: CliFixture): void {
  const paidRequest = async (api: PaidApi, chain: string, tx: string) => {
    const response = await fetch(`${api.url}/api/weather`, {
      headers: { 'x-payment-tx': tx, 'x-payment-chain': chain },
    })
    assert.equal(response.status, 200, await response.clone().text())
  }

  describe('ledger and migrate on Redis + PostgreSQL', () => {
    let api: PaidApi
    let baseTx: `0x${string}`
    let solanaTx: string
    const env = () => ({
      ...fixture.env,
      DATABASE_URL: fixture.databaseUrl,
      REDIS_URL: fixture.redis.url,
    })
    before(async () => {
      api = await spawnPaidApi(fixture.paidApi())
      baseTx = await fixture.payBase(25_000n)
      await paidRequest(api, 'base', baseTx)
      solanaTx = await fixture.paySolana(10_000n)
      await paidRequest(api, fixture.solana.network, solanaTx)
    })
    after(() => api?.stop())

    it('lists the rows of real paid requests, amounts in the asset and raw, filtered', async () => {
      const run = await runCli(['ledger', 'list', '--json'], env())
      assert.equal(run.code, 0, run.stderr)
      const { payments } = run.json<{ payments: RowJson[] }>()
      const base = payments.find((row) => row.transaction === baseTx)
      assert.ok(base, 'the base payment is listed')
      assert.equal(base.status, 'consumed')
      assert.equal(base.chain, 'base')
      assert.equal(base.network, 'eip155:8453')
      assert.equal(base.payer, fixture.base.accounts[1]!.address)
      assert.equal(base.payTo, fixture.basePayTo)
      // The resource is the origin and path the payer asked (docs/protocol.md 6.2).
      assert.match(base.resource, /^GET http:\/\/127\.0\.0\.1:\d+\/api\/weather$/)
      assert.deepEqual(base.amount, { amount: '0.025', symbol: 'USDC', raw: '25000' })
      assert.ok(base.consumedAt && !Number.isNaN(Date.parse(base.consumedAt)))
      const solana = payments.find((row) => row.transaction === solanaTx)
      assert.deepEqual(solana?.amount, { amount: '0.01', symbol: 'USDC', raw: '10000' })

      const filtered = await runCli(
        [
          'ledger',
          'list',
          '--json',
          '--chain',
          fixture.solana.network,
          '--payer',
          fixture.solanaPayer.publicKey.toBase58(),
          '--since',
          '1h',
        ],
        env(),
      )
      const only = filtered.json<{ payments: RowJson[] }>().payments
      assert.ok(only.length >= 1)
      assert.ok(only.every((row) => row.network === fixture.solana.network))
      const claimed = await runCli(['ledger', 'list', '--json', '--status', 'claimed'], env())
      assert.deepEqual(claimed.json<{ payments: RowJson[] }>().payments, [])

      const human = await runCli(['ledger', 'list', '--limit', '100'], env())
      assert.equal(human.code, 0)
      assert.match(human.stdout, new RegExp(baseTx))
      assert.match(human.stdout, /0\.025 USDC \(25000\)/)
    })

    it('shows every row of one transaction, whatever the spelling of its hash', async () => {
      const spelled = `0x${baseTx.slice(2).toUpperCase()}`
      const run = await runCli(['ledger', 'show', 'base', spelled, '--json'], env())
      assert.equal(run.code, 0, run.stderr)
      const { payments } = run.json<{ payments: RowJson[] }>()
      assert.equal(payments.length, 1)
      assert.equal(payments[0]!.transaction, baseTx)
      const human = await runCli(['ledger', 'show', 'base', baseTx], env())
      assert.match(human.stdout, /status:\s+consumed/)
      assert.match(human.stdout, /amount:\s+0\.025 USDC \(25000\)/)
      const none = await runCli(['ledger', 'show', 'base', `0x${'9'.repeat(64)}`, '--json'], env())
      assert.equal(none.code, 1, 'no row is a negative verdict')
      assert.deepEqual(none.json<{ payments: RowJson[] }>().payments, [])
    })

    it('sums served payments per chain and per route', async () => {
      const run = await runCli(['ledger', 'stats', '--by', 'chain', '--json'], env())
      assert.equal(run.code, 0, run.stderr)
      const { groups } = run.json<{
        groups: Array<{ chain: string; count: number; amount: Amount }>
      }>()
      const base = groups.find((group) => group.chain === 'base')
      // Earlier tests served payments on this ledger too: count them from the rows.
      const rows = (
        await runCli(['ledger', 'list', '--json', '--chain', 'base', '--status', 'consumed'], env())
      ).json<{
        payments: RowJson[]
      }>().payments
      assert.equal(base?.count, rows.length)
      const sum = rows.reduce((total, row) => total + BigInt(row.amount.raw), 0n)
      assert.equal(base?.amount.raw, sum.toString())
      const byRoute = await runCli(['ledger', 'stats', '--by', 'route'], env())
      assert.match(byRoute.stdout, /GET http:\/\/127\.0\.0\.1:\d+\/api\/weather/)
    })

    it('migrate runs the migrations on a new database, then has nothing to run', async () => {
      const databaseUrl = await fixture.freshDatabase('tx402_cli_migrate')
      const first = await runCli(['migrate', '--json', '--database-url', databaseUrl])
      assert.equal(first.code, 0, first.stderr)
      // Every migration, from the first (later issues add their own).
      const { ran } = first.json<{ ran: string[] }>()
      assert.equal(ran[0], '0001_create_payments')
      assert.ok(ran.includes('0002_keep_responses'))
      const again = await runCli(['migrate', '--json'], { DATABASE_URL: databaseUrl })
      assert.deepEqual(again.json<{ ran: string[] }>().ran, [])
    })

    it('exits 3 when PostgreSQL does not answer', async () => {
      const run = await runCli([
        'ledger',
        'list',
        '--json',
        '--database-url',
        'postgres://postgres@127.0.0.1:9/x',
      ])
      assert.equal(run.code, 3)
      assert.match(run.stderr, /does not answer/)
    })
  })

  describe('ledger on the embedded ledger', function () {
    // PGlite opens in seconds on an idle machine, in tens of seconds on a loaded one.
    this.timeout(240_000)
    let dataDir: string
    let tx: `0x${string}`
    before(async () => {
      dataDir = join(mkdtempSync(join(tmpdir(), 'tx402-cli-')), 'ledger')
      const api = await spawnPaidApi(fixture.paidApi({ ledger: { dataDir } }))
      try {
        tx = await fixture.payBase(10_000n)
        await paidRequest(api, 'base', tx)
        const held = await runCli(['ledger', 'list', '--data-dir', dataDir])
        assert.equal(held.code, 3, 'the API holds its embedded ledger while it runs')
        assert.match(held.stderr, /in use by process/)
      } finally {
        await api.stop()
      }
    })
    after(() => rmSync(join(dataDir, '..'), { recursive: true, force: true }))

    it('lists and sums the row a real paid request wrote, from TX402_DATA_DIR', async () => {
      const env = { ...fixture.env, TX402_DATA_DIR: dataDir }
      const list = await runCli(['ledger', 'list', '--json'], env)
      assert.equal(list.code, 0, list.stderr)
      const [row] = list.json<{ payments: RowJson[] }>().payments
      assert.equal(row?.transaction, tx)
      assert.deepEqual(row?.amount, { amount: '0.01', symbol: 'USDC', raw: '10000' })
      const stats = await runCli(['ledger', 'stats', '--json', '--since', '2000-01-01'], env)
      const { groups } = stats.json<{
        groups: Array<{ day: string; count: number; amount: Amount }>
      }>()
      assert.deepEqual(
        groups.map((group) => [group.day, group.count, group.amount.amount]),
        [[new Date().toISOString().slice(0, 10), 1, '0.01']],
      )
    })
  })
}
