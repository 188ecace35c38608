import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Connection, PublicKey } from '@solana/web3.js'
import { deployTestToken, testTokenAbi } from '@tx402/testing/evm'
import { sendTransfer } from '@tx402/testing/solana'
import type { VerifyReport as VerifyJson } from '../commands/verify.js'
import type { CliFixture } from './cliFixture.js'
import { runCli } from './runCli.js'

/**
 * `tx402 verify --token` with no decimals configured reads them from the chain (an 18-decimal
 * ERC-20 on anvil, a 9-decimal mint on the litesvm RPC), and `tx402 migrate` runs only on a
 * ledger it is told of.
 */
export function tokenTests(fixture: CliFixture): void {
  describe('verify reads a named token from the chain', () => {
    // The server's chain variables without any token or decimals: only the flags name the token.
    const bare = () => {
      const {
        BASE_TOKEN: _token,
        BASE_TOKEN_DECIMALS: _decimals,
        SOLANA_MINT: _mint,
        SOLANA_MINT_DECIMALS: _mintDecimals,
        ...env
      } = fixture.env
      return env
    }
    const verify = (chain: string, tx: string, token: string, ...extra: string[]) =>
      runCli(
        [
          'verify',
          '--chain',
          chain,
          '--tx',
          tx,
          '--price',
          '0.01',
          '--token',
          token,
          '--json',
          ...extra,
        ],
        bare(),
      )

    it('judges a dust transfer of an 18-decimal ERC-20 insufficient, and 0.01 of it confirmed, named by its own symbol', async () => {
      const payer = fixture.base.accounts[1]!.address
      const token = await deployTestToken(fixture.base, {
        name: 'Wrapped Ether',
        symbol: 'WETH',
        decimals: 18,
        mint: [[payer, 10n ** 18n]],
      })
      const pay = async (amount: bigint) => {
        const hash = await fixture.base.wallet(1).writeContract({
          address: token,
          abi: testTokenAbi,
          functionName: 'transfer',
          args: [fixture.basePayTo, amount],
        })
        await fixture.base.publicClient.waitForTransactionReceipt({ hash })
        return hash
      }
      const dust = await verify('base', await pay(10_000n), token)
      assert.equal(dust.code, 1, `a dust transfer is not 0.01: ${dust.stdout}${dust.stderr}`)
      const refused = dust.json<VerifyJson>()
      assert.equal(refused.code, 'insufficient_amount')
      assert.deepEqual(refused.required, {
        amount: '0.01',
        symbol: 'WETH',
        raw: '10000000000000000',
      })

      const paid = await verify('base', await pay(10n ** 16n), token)
      assert.equal(paid.code, 0, paid.stderr)
      assert.deepEqual(paid.json<VerifyJson>().received, {
        amount: '0.01',
        symbol: 'WETH',
        raw: '10000000000000000',
      })
      // Configured decimals are the server's own: they are used as given.
      const configured = await verify('base', await pay(10_000n), token, '--decimals', '6')
      assert.equal(configured.json<VerifyJson>().code, 'confirmed')
    })

    it('judges a dust transfer of a 9-decimal SPL mint insufficient', async () => {
      const mint = fixture.solana.createMint({ decimals: 9 })
      fixture.solana.mintTo({ mint, owner: fixture.solanaPayer.publicKey, amount: 10n ** 12n })
      const connection = new Connection(fixture.solana.rpcUrl, 'confirmed')
      const dust = await sendTransfer(connection, {
        payer: fixture.solanaPayer,
        to: new PublicKey(fixture.solanaPayTo),
        mint,
        amount: 10_000n,
      })
      const run = await verify('solana', dust, mint.toBase58(), '--asset', 'TOKEN9')
      assert.equal(run.code, 1, `a dust transfer is not 0.01: ${run.stdout}${run.stderr}`)
      const report = run.json<VerifyJson>()
      assert.equal(report.code, 'insufficient_amount')
      assert.deepEqual(report.required, { amount: '0.01', symbol: 'TOKEN9', raw: '10000000' })
    })

    it('exits 2 when the named token is no token on that chain', async () => {
      const hash = await fixture.payBase(10_000n)
      const run = await verify('base', hash, fixture.basePayTo)
      assert.equal(run.code, 2, run.stdout)
      assert.match(run.stderr, /is not an ERC-20 contract on this chain/)
      const mint = await verify('solana', '5'.repeat(88), fixture.solanaPayTo)
      assert.equal(mint.code, 2, mint.stdout)
      assert.match(mint.stderr, /is not an SPL mint on this network/)
    })
  })

  describe('migrate names its ledger', () => {
    let dir: string
    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'tx402-migrate-'))
    })
    after(() => rm(dir, { recursive: true, force: true }))

    it('refuses with exit 2 when neither --database-url nor --data-dir names one, creating nothing', async () => {
      const run = await runCli(['migrate', '--json'], {}, { cwd: dir })
      assert.equal(run.code, 2, run.stdout)
      assert.match(run.stderr, /--database-url/)
      assert.match(run.stderr, /--data-dir/)
      assert.equal(
        existsSync(join(dir, '.tx402-data')),
        false,
        'no ledger made in the working directory',
      )
    })

    it('migrates the embedded ledger --data-dir names', async () => {
      const run = await runCli(
        ['migrate', '--json', '--data-dir', join(dir, 'ledger')],
        {},
        { cwd: dir },
      )
      assert.equal(run.code, 0, run.stderr)
      assert.ok(run.json<{ ran: string[] }>().ran.length > 0)
    })
  })
}
