import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import type { CliFixture } from './cliFixture.js'
import { runCli } from './runCli.js'
import { type PaidApi, spawnPaidApi } from './spawnPaidApi.js'

interface ReconcileJson {
  dryRun: boolean
  claims: Array<{ transaction: string; action: string; status: string; resource: string }>
}

/**
 * `tx402 reconcile` repairs the claim of an API process killed with SIGKILL while its handler
 * ran (Redis + PostgreSQL), and the payment is then served by another process.
 */
export function reconcileTests(fixture: CliFixture): void {
  describe('reconcile', () => {
    const claimTtlMs = 2_000
    const env = () => ({
      ...fixture.env,
      DATABASE_URL: fixture.databaseUrl,
      REDIS_URL: fixture.redis.url,
    })
    let survivor: PaidApi | undefined
    after(() => survivor?.stop())

    it('releases the claim of a killed API process, and the payment is then served', async () => {
      const tx = await fixture.payBase(10_000n)
      const doomed = await spawnPaidApi(fixture.paidApi({ claimTtlMs }))
      const headers = { 'x-payment-tx': tx, 'x-payment-chain': 'base' }
      const hanging = fetch(`${doomed.url}/api/slow`, { headers }).catch((error: Error) => error)
      assert.equal(await doomed.nextLine(), `handling ${tx}`)
      doomed.process.kill('SIGKILL')
      await doomed.stop()
      assert.ok((await hanging) instanceof Error, 'the killed process never answered')

      const held = await runCli(['ledger', 'list', '--status', 'claimed', '--json'], env())
      assert.deepEqual(
        held
          .json<{ payments: Array<{ transaction: string }> }>()
          .payments.map((row) => row.transaction),
        [tx],
        'the dead process left its claim',
      )

      // Nothing renews the claim any more: it lapses within claimTtlMs of the last renewal.
      await sleep(claimTtlMs + 500)
      const dry = await runCli(['reconcile', '--dry-run', '--json'], env())
      assert.equal(dry.code, 0, dry.stderr)
      const planned = dry.json<ReconcileJson>()
      assert.equal(planned.dryRun, true)
      assert.deepEqual(
        planned.claims.map((claim) => [
          claim.transaction,
          claim.status,
          claim.action,
          // The resource names the origin the payer asked (docs/protocol.md 6.2).
          claim.resource.replace(/^GET http:\/\/127\.0\.0\.1:\d+\//, 'GET /'),
        ]),
        [[tx, 'claimed', 'would release', 'GET /api/slow']],
        'the dead process left its claim, and nothing renews it',
      )
      const still = await runCli(['ledger', 'show', 'base', tx, '--json'], env())
      assert.equal(still.code, 0, 'a dry run changes nothing')

      const run = await runCli(['reconcile'], env())
      assert.equal(run.code, 0, run.stderr)
      assert.match(run.stdout, new RegExp(`released .*${tx}`))
      const gone = await runCli(['ledger', 'show', 'base', tx, '--json'], env())
      assert.equal(gone.code, 1, 'the claim row is gone')

      survivor = await spawnPaidApi(fixture.paidApi())
      const served = await fetch(`${survivor.url}/api/weather`, { headers })
      assert.equal(served.status, 200)
    })
  })
}
