import assert from 'node:assert/strict'
import { runCli } from './runCli.js'

/** Exit codes and messages of bad invocations, `--help`, and `tx402 secret`. */
export function usageTests(): void {
  describe('usage', () => {
    it('exits 2 naming the flag for an unknown flag, a bad value, a missing option and a bad URL', async () => {
      const unknown = await runCli(['ledger', 'list', '--colour'])
      assert.equal(unknown.code, 2)
      assert.match(unknown.stderr, /unknown option '--colour'/)

      const limit = await runCli(['ledger', 'list', '--limit', 'many'])
      assert.equal(limit.code, 2)
      assert.match(limit.stderr, /--limit must be a whole number/)

      const by = await runCli(['ledger', 'stats', '--by', 'week'])
      assert.equal(by.code, 2)
      assert.match(by.stderr, /option '--by <grouping>' argument 'week' is invalid/)

      const missing = await runCli(['verify', '--chain', 'base', '--price', '0.01'])
      assert.equal(missing.code, 2)
      assert.match(missing.stderr, /required option '--tx <hash>'/)

      const chain = await runCli(['verify', '--chain', 'dogecoin', '--tx', '0x1', '--price', '1'])
      assert.equal(chain.code, 2)
      assert.match(chain.stderr, /--chain must be one of base, avalanche, solana/)

      const database = await runCli(['ledger', 'list', '--json'], { DATABASE_URL: 'mysql://x' })
      assert.equal(database.code, 2)
      assert.match(database.stderr, /--database-url \(or DATABASE_URL\) must start with postgres:/)
      assert.equal(
        database.json<{ exitCode: number }>().exitCode,
        2,
        '--json reports the failure too',
      )
    })

    it('exits 2 naming the variable when the server configuration is incomplete', async () => {
      const run = await runCli(
        ['verify', '--chain', 'base', '--tx', `0x${'ab'.repeat(32)}`, '--price', '0.01'],
        {
          BASE_RPC_URL: 'http://127.0.0.1:1',
        },
      )
      assert.equal(run.code, 2)
      assert.match(run.stderr, /--pay-to \(or BASE_PAY_TO\) is required for base/)
      assert.doesNotMatch(run.stderr, /at .*\.js:\d+/, 'no stack trace')
    })

    it('prints help with exit 0, and a fresh 32-byte secret', async () => {
      const help = await runCli(['--help'])
      assert.equal(help.code, 0)
      for (const command of ['verify', 'ledger', 'reconcile', 'migrate', 'doctor', 'secret']) {
        assert.match(help.stdout, new RegExp(`\\n  ${command}\\b`))
      }
      const first = await runCli(['secret'])
      const second = await runCli(['secret', '--json'])
      assert.equal(first.code, 0)
      assert.match(first.stdout, /^[0-9a-f]{64}\n$/)
      const { secret, bytes } = second.json<{ secret: string; bytes: number }>()
      assert.equal(bytes, 64)
      assert.notEqual(secret, first.stdout.trim())
    })
  })
}
