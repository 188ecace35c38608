import assert from 'node:assert/strict'
import { type AnvilNode, startAnvil } from '@tx402/testing/evm'
import type { CliFixture } from './cliFixture.js'
import { runCli } from './runCli.js'

/** The fields of `tx402 doctor --json`. */
interface DoctorJson {
  ok: boolean
  checks: Array<{ name: string; ok: boolean; detail: string; fix?: string; failure?: string }>
}

/**
 * `tx402 doctor` on a healthy deployment, then with an RPC of another chain and with Redis
 * stopped (the fixture's private redis-server, never the machine's). Runs last: it stops Redis.
 */
export function doctorTests(fixture: CliFixture): void {
  describe('doctor', () => {
    let avalanche: AnvilNode
    before(async () => {
      avalanche = await startAnvil({ chainId: 43114 })
    })
    after(() => avalanche?.stop())

    const env = (overrides: Record<string, string> = {}) => ({
      ...fixture.env,
      DATABASE_URL: fixture.databaseUrl,
      REDIS_URL: fixture.redis.url,
      ...overrides,
    })
    const check = (report: DoctorJson, name: string) => {
      const found = report.checks.find((c) => c.name === name)
      assert.ok(found, `a "${name}" check in ${JSON.stringify(report.checks)}`)
      return found
    }

    it('passes every check of a healthy deployment, one line each', async () => {
      // Fresh blocks on both chains, so their latest block time is now.
      await fixture.payBase(1n)
      await fixture.paySolana(1n)
      const run = await runCli(['doctor', '--json'], env())
      assert.equal(run.code, 0, run.stdout + run.stderr)
      const report = run.json<DoctorJson>()
      assert.equal(report.ok, true)
      assert.deepEqual(report.checks.map((c) => c.name).sort(), [
        'clock base',
        'clock solana',
        'ledger',
        'redis',
        'rpc base',
        'rpc solana',
        'secret',
      ])
      assert.match(check(report, 'rpc base').detail, /serves eip155:8453/)
      assert.match(check(report, 'ledger').detail, /migrated/)
      const human = await runCli(['doctor'], env())
      assert.equal(human.stdout.trim().split('\n').length, 7)
      assert.match(human.stdout, /^ok {4}rpc solana: answers and serves solana:/m)
    })

    it('reports an RPC of another chain with exit 3, and a short secret', async () => {
      const run = await runCli(
        ['doctor', '--json'],
        env({ BASE_RPC_URL: avalanche.rpcUrl, TX402_SECRET: 'too-short' }),
      )
      assert.equal(run.code, 3)
      const report = run.json<DoctorJson>()
      assert.equal(report.ok, false)
      const rpc = check(report, 'rpc base')
      assert.equal(rpc.ok, false)
      assert.equal(rpc.failure, 'unreachable')
      assert.match(rpc.detail, /43114/)
      assert.match(rpc.fix!, /point BASE_RPC_URL at a node of eip155:8453/)
      assert.doesNotMatch(run.stdout, new RegExp(avalanche.rpcUrl), 'the RPC URL is never echoed')
      const secret = check(report, 'secret')
      assert.equal(secret.ok, false)
      assert.match(secret.fix!, /tx402 secret/)
      assert.equal(check(report, 'rpc solana').ok, true)
    })

    it('reports a stopped Redis with exit 3 and what to do', async () => {
      await fixture.redis.stop()
      const run = await runCli(['doctor'], env())
      assert.equal(run.code, 3)
      assert.match(run.stdout, /^FAIL {2}redis: does not answer.* → check REDIS_URL/m)
      assert.match(run.stdout, /^ok {4}ledger: /m, 'PostgreSQL still answers')
    })
  })
}
