import assert from 'node:assert/strict'
import { challengeKey, defaultClockSkewSeconds, issueChallenge } from '@tx402/core'
import { tcpProxy } from '@tx402/testing/faults'
import type { VerifyReport as VerifyJson } from '../commands/verify.js'
import type { CliFixture } from './cliFixture.js'
import { runCli } from './runCli.js'
import { type PaidApi, spawnPaidApi } from './spawnPaidApi.js'

/**
 * `tx402 verify` against anvil and the litesvm RPC, compared with what a real server (the paid
 * API on Redis + PostgreSQL) answers for the same transaction.
 */
export function verifyTests(fixture: CliFixture): void {
  describe('verify', () => {
    let api: PaidApi
    before(async () => {
      api = await spawnPaidApi(fixture.paidApi())
    })
    after(() => api?.stop())

    const verify = (chain: string, tx: string, ...extra: string[]) =>
      runCli(
        ['verify', '--chain', chain, '--tx', tx, '--price', '0.01', '--json', ...extra],
        fixture.env,
      )
    const server = async (chain: string, tx: string) => {
      const response = await fetch(`${api.url}/api/weather`, {
        headers: { 'x-payment-tx': tx, 'x-payment-chain': chain },
      })
      return response.status === 200
        ? 'confirmed'
        : ((await response.json()) as { error: string }).error
    }

    it('answers confirmed for a paid transaction on base, with amount, payer, block time and confirmations', async () => {
      const hash = await fixture.payBase(10_000n)
      const run = await verify('base', hash)
      assert.equal(run.code, 0, run.stderr)
      const report = run.json<VerifyJson>()
      assert.equal(report.code, 'confirmed')
      assert.equal(report.status, 200)
      assert.equal(report.network, 'eip155:8453')
      assert.equal(report.transaction, hash)
      assert.equal(report.payTo, fixture.basePayTo)
      assert.deepEqual(report.required, { amount: '0.01', symbol: 'USDC', raw: '10000' })
      assert.deepEqual(report.received, { amount: '0.01', symbol: 'USDC', raw: '10000' })
      assert.equal(report.payer, fixture.base.accounts[1]!.address)
      const block = await fixture.base.publicClient.getBlock({ blockTag: 'latest' })
      assert.equal(report.blockTime, Number(block.timestamp))
      assert.equal(report.confirmations, 1)
      assert.equal(report.ledger, undefined, 'no ledger without --ledger')
      assert.equal(await server('base', hash), 'confirmed', 'the server serves it')

      const again = await verify('base', hash, '--ledger', '--database-url', fixture.databaseUrl)
      assert.equal(again.code, 1)
      const used = again.json<VerifyJson>()
      assert.equal(used.code, 'tx_already_used')
      assert.equal(used.ledger?.rows[0]?.status, 'consumed')
      assert.equal(await server('base', hash), 'tx_already_used')
    })

    it('gives the server its own codes on base: wrong recipient, too little, unknown hash', async () => {
      const cases = {
        wrong_recipient: await fixture.payBase(10_000n, fixture.base.accounts[4]!.address),
        insufficient_amount: await fixture.payBase(9_999n),
        tx_not_found: `0x${'7'.repeat(64)}`,
      }
      for (const [expected, hash] of Object.entries(cases)) {
        const run = await verify('base', hash)
        assert.equal(run.code, 1, `${expected}: ${run.stderr}`)
        const report = run.json<VerifyJson>()
        assert.equal(report.code, expected)
        assert.equal(report.status, 402)
        assert.equal(report.received, null)
        assert.equal(await server('base', hash), expected, `the server answers ${expected} too`)
      }
    })

    it('does the same on Solana: confirmed, wrong recipient, too little, unknown signature', async () => {
      const paid = await fixture.paySolana(10_000n)
      const run = await verify('solana', paid)
      assert.equal(run.code, 0, run.stderr)
      const report = run.json<VerifyJson>()
      assert.equal(report.code, 'confirmed')
      assert.equal(report.network, fixture.solana.network)
      assert.equal(report.payer, fixture.solanaPayer.publicKey.toBase58())
      assert.deepEqual(report.received, { amount: '0.01', symbol: 'USDC', raw: '10000' })
      assert.equal(report.commitment, 'finalized')
      assert.equal(typeof report.blockTime, 'number')
      // A Solana network other than mainnet is named `solana-local` by the plugin; the header takes CAIP-2 too.
      const network = fixture.solana.network
      assert.equal(report.chain, 'solana-local')
      assert.equal(await server(network, paid), 'confirmed')

      const cases = {
        wrong_recipient: await fixture.paySolana(
          10_000n,
          fixture.solana.authority.publicKey.toBase58(),
        ),
        insufficient_amount: await fixture.paySolana(9_999n),
        tx_not_found: '5'.repeat(88),
      }
      for (const [expected, signature] of Object.entries(cases)) {
        const failed = await verify('solana', signature)
        assert.equal(failed.code, 1, `${expected}: ${failed.stderr}`)
        assert.equal(failed.json<VerifyJson>().code, expected)
        assert.equal(
          await server(network, signature),
          expected,
          `the server answers ${expected} too`,
        )
      }
    })

    it('refuses as the server does a payment older than its challenge beyond the default clock skew', async () => {
      const hash = await fixture.payBase(10_000n)
      const { publicClient } = fixture.base
      const { blockNumber } = await publicClient.getTransactionReceipt({ hash })
      const block = await publicClient.getBlock({ blockNumber })
      // Issued 30 s beyond the engine's default skew after the block: the payment predates it.
      const issuedAt = Number(block.timestamp) + defaultClockSkewSeconds + 30
      const { id } = issueChallenge(challengeKey(fixture.secret), {
        method: 'GET',
        path: '/api/weather',
        ttlSeconds: 900,
        now: issuedAt * 1000,
      })
      const answered = ['--challenge', id, '--resource', 'GET /api/weather']
      const run = await verify('base', hash, ...answered)
      assert.equal(run.code, 1, run.stderr)
      const report = run.json<VerifyJson>()
      assert.equal(report.code, 'tx_too_old')

      const response = await fetch(`${api.url}/api/weather`, {
        headers: { 'x-payment-tx': hash, 'x-payment-chain': 'base', 'x-payment-challenge': id },
      })
      const refused = (await response.json()) as { error: string; message: string }
      assert.equal(refused.error, report.code, 'the server refuses it for the same reason')
      assert.equal(refused.message, report.message)
      assert.equal(response.status, report.status)

      // A server that tolerates more skew (--clock-skew names its clockSkewSeconds) takes it.
      const skew = String(defaultClockSkewSeconds + 60)
      const tolerant = await verify('base', hash, ...answered, '--clock-skew', skew)
      assert.equal(tolerant.code, 0, tolerant.stderr)
      assert.equal(tolerant.json<VerifyJson>().code, 'confirmed')
      const malformed = await verify('base', hash, ...answered, '--clock-skew', '1.5')
      assert.equal(malformed.code, 2)
      assert.match(malformed.stderr, /--clock-skew must be a whole number/)
    })

    it('says on stderr what it waits for when the RPC is slow, and stdout still parses', async () => {
      const hash = await fixture.payBase(10_000n)
      const { port } = new URL(fixture.base.rpcUrl)
      const slow = await tcpProxy({ host: '127.0.0.1', port: Number(port) })
      slow.setMode('latency', { latencyMs: 400 })
      try {
        const run = await verify('base', hash, '--rpc', `http://127.0.0.1:${slow.port}`)
        assert.equal(run.code, 0, run.stderr)
        assert.equal(run.json<VerifyJson>().code, 'confirmed')
        assert.match(run.stderr, new RegExp(`^verifying ${hash} on base…$`, 'm'))
        assert.match(run.stderr, /: done in \d+\.\d s$/m)
      } finally {
        await slow.close()
      }
    })

    it('exits 3 with verifier_unavailable when the RPC does not answer', async () => {
      const run = await verify('base', `0x${'1'.repeat(64)}`, '--rpc', 'http://127.0.0.1:9')
      assert.equal(run.code, 3)
      const report = run.json<VerifyJson>()
      assert.equal(report.code, 'verifier_unavailable')
      assert.equal(report.status, 503)
      assert.doesNotMatch(run.stdout + run.stderr, /127\.0\.0\.1:9/, 'the RPC URL is never echoed')
    })
  })
}
