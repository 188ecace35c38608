import assert from 'node:assert/strict'
import { Keypair } from '@solana/web3.js'
import { base } from '@tx402/chain-base'
import { solana } from '@tx402/chain-solana'
import { deployTestToken } from '@tx402/testing/evm'
import type { Address } from 'viem'
import { callPaidEndpoint } from './callPaidEndpoint.js'
import { NoPayableOptionError } from './errors.js'
import { evmPayer } from './evm/evmPayer.js'
import { memoryJournal } from './journal/memoryJournal.js'
import { AssetMismatchError } from './refusals.js'
import { solanaPayer } from './solana/solanaPayer.js'
import { type EvmEnv, startEvmEnv } from './test/evmEnv.js'
import { type PaidApp, startPaidApp } from './test/paidApp.js'
import { type SolanaEnv, startSolanaEnv } from './test/solanaEnv.js'

describe('assets by identity: a label is not an asset', function () {
  this.timeout(60_000)
  let evm: EvmEnv
  let sol: SolanaEnv
  const apps: PaidApp[] = []

  before(async () => {
    ;[evm, sol] = await Promise.all([startEvmEnv(8453), startSolanaEnv()])
  })
  after(async () => {
    await Promise.all(apps.map((app) => app.stop()))
    await Promise.all([evm?.stop(), sol?.stop()])
  })
  const serve = async (options: Parameters<typeof startPaidApp>[0]) => {
    const app = await startPaidApp(options)
    apps.push(app)
    return app
  }

  /** A new ERC-20 on the Base anvil called `symbol`, funded to the payer, sold by a paid app. */
  const serveToken = async (symbol: string) => {
    const token = await deployTestToken(evm.node, {
      symbol,
      mint: [[evm.payerAccount.address, 1_000_000_000n]],
    })
    const payTo = evm.freshPayTo()
    const app = await serve({
      chains: [
        base({
          rpcUrl: evm.node.rpcUrl,
          payTo,
          assets: [{ standard: 'erc20', address: token, symbol, decimals: 6 }],
        }),
      ],
      asset: symbol,
    })
    return { token, payTo, app }
  }

  it('refuses, before signing, an 8-decimal mint labelled USDC under default options', async () => {
    const mint = sol.rpc.createMint({ decimals: 8 })
    sol.rpc.mintTo({ mint, owner: sol.payerKeypair.publicKey, amount: 10n ** 12n })
    const payTo = Keypair.generate().publicKey
    const app = await serve({
      chains: [
        solana({
          rpcUrl: sol.rpc.rpcUrl,
          network: sol.rpc.network,
          payTo: payTo.toBase58(),
          assets: [{ standard: 'spl', mint: mint.toBase58(), symbol: 'USDC', decimals: 8 }],
        }),
      ],
      price: '1',
    })
    // A payer with no declared assets: only the built-in stablecoins are known.
    const payer = solanaPayer({ connection: sol.connection, signer: sol.payerKeypair })
    const journal = memoryJournal()
    const error = await callPaidEndpoint(app.url, {}, { payers: [payer], journal }).catch(
      (e: unknown) => e,
    )
    assert.ok(error instanceof AssetMismatchError, String(error))
    assert.equal(error.symbol, 'USDC')
    assert.equal(error.address, mint.toBase58())
    assert.deepEqual(await journal.list(), [])
    // Even a cap naming USDC does not cover a token that only calls itself USDC.
    await assert.rejects(
      callPaidEndpoint(app.url, {}, { payers: [payer], journal, maxAmount: { USDC: '1' } }),
      AssetMismatchError,
    )
    assert.equal(await sol.connection.getAccountInfo(payTo), null)
  })

  it('refuses, before signing, a fake ERC-20 whose symbol() is USDC under default options', async () => {
    const { token: fake, payTo, app } = await serveToken('USDC')
    const payer = evmPayer({ walletClient: evm.walletClient, publicClient: evm.publicClient })
    const nonce = await evm.publicClient.getTransactionCount({ address: evm.payerAccount.address })
    const error = await callPaidEndpoint(
      app.url,
      {},
      { payers: [payer], journal: memoryJournal() },
    ).catch((e: unknown) => e)
    assert.ok(error instanceof AssetMismatchError, String(error))
    assert.equal(error.address, fake)
    assert.match(error.message, /0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913/)
    // Nothing signed or sent: the payer's nonce did not move, the payee holds nothing.
    assert.equal(
      await evm.publicClient.getTransactionCount({ address: evm.payerAccount.address }),
      nonce,
    )
    assert.equal(
      await evm.publicClient.readContract({
        address: fake,
        abi: [
          {
            type: 'function',
            name: 'balanceOf',
            stateMutability: 'view',
            inputs: [{ name: 'a', type: 'address' }],
            outputs: [{ type: 'uint256' }],
          },
        ],
        functionName: 'balanceOf',
        args: [payTo as Address],
      }),
      0n,
    )
  })

  it('pays an unknown token only when the caller lists it by address', async () => {
    const { token: points, app } = await serveToken('PTS')
    const payer = evmPayer({ walletClient: evm.walletClient, publicClient: evm.publicClient })
    // The default cap covers known stablecoins only; a cap by symbol does not name an unknown token.
    for (const maxAmount of [undefined, '1', { PTS: '1' }]) {
      await assert.rejects(
        callPaidEndpoint(
          app.url,
          {},
          {
            payers: [payer],
            journal: memoryJournal(),
            ...(maxAmount ? { maxAmount } : {}),
          },
        ),
        NoPayableOptionError,
      )
    }
    const response = await callPaidEndpoint(
      app.url,
      {},
      {
        payers: [payer],
        journal: memoryJournal(),
        maxAmount: { [points.toLowerCase()]: '0.05' },
      },
    )
    assert.equal(response.status, 200)
  })
})
