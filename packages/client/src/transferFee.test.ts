import assert from 'node:assert/strict'
import { getAssociatedTokenAddressSync, TOKEN_2022_PROGRAM_ID } from '@solana/spl-token'
import { Keypair, type PublicKey } from '@solana/web3.js'
import { solana } from '@tx402/chain-solana'
import type { PaymentRequiredBody } from '@tx402/core'
import { callPaidEndpoint } from './callPaidEndpoint.js'
import { SpendingCapError } from './errors.js'
import { memoryJournal } from './journal/memoryJournal.js'
import { TransferFeeError } from './refusals.js'
import { type PaidApp, paymentResponse, startPaidApp } from './test/paidApp.js'
import { type SolanaEnv, startSolanaEnv } from './test/solanaEnv.js'

describe('paying with a Token-2022 mint that charges a transfer fee', function () {
  this.timeout(60_000)
  let env: SolanaEnv
  const apps: PaidApp[] = []

  before(async () => {
    env = await startSolanaEnv()
  })
  after(async () => {
    await Promise.all(apps.map((app) => app.stop()))
    await env?.stop()
  })

  /** A 1% fee mint (6 decimals) funded to the payer; the server names it PYUSD. */
  const feeMint = (): PublicKey => {
    const mint = env.rpc.createMint({
      decimals: 6,
      tokenProgram: 'token-2022',
      transferFee: { basisPoints: 100, maximumFee: 10n ** 12n },
    })
    env.rpc.mintTo({ mint, owner: env.payerKeypair.publicKey, amount: 1_000_000_000n })
    return mint
  }
  const balance = async (mint: PublicKey, owner: PublicKey): Promise<bigint> => {
    const account = getAssociatedTokenAddressSync(mint, owner, true, TOKEN_2022_PROGRAM_ID)
    if (!(await env.connection.getAccountInfo(account))) return 0n
    return BigInt((await env.connection.getTokenAccountBalance(account)).value.amount)
  }
  const serve = async (mint: PublicKey, price: string, warnings: string[] = []) => {
    const payTo = Keypair.generate().publicKey
    const app = await startPaidApp({
      price,
      asset: 'PYUSD',
      chains: [
        solana({
          rpcUrl: env.rpc.rpcUrl,
          network: env.rpc.network,
          payTo: payTo.toBase58(),
          assets: [
            {
              standard: 'spl',
              mint: mint.toBase58(),
              symbol: 'PYUSD',
              decimals: 6,
              tokenProgram: 'token-2022',
            },
          ],
        }),
      ],
      logger: { info() {}, warn: (_object, message) => warnings.push(String(message)), error() {} },
    })
    apps.push(app)
    return { app, payTo }
  }
  /** Listed by mint in maxAmount: the only way an asset outside the known stablecoins is paid. */
  const pay = (url: string, mint: PublicKey, cap = '0.10') =>
    callPaidEndpoint(
      url,
      {},
      {
        payers: [env.payer],
        journal: memoryJournal(),
        maxAmount: { [mint.toBase58()]: cap },
      },
    )

  it('sends the gross amount, so the payee receives the price: served with one transfer', async () => {
    const mint = feeMint()
    const warnings: string[] = []
    const { app, payTo } = await serve(mint, '0.01', warnings)
    // Setup read the mint: a warning, and accepts says what the fee is.
    for (let i = 0; i < 50 && warnings.length === 0; i++)
      await new Promise((r) => setTimeout(r, 20))
    assert.match(warnings.join('\n'), /transfer fee of 100 basis points/)
    const challenge = (await (await fetch(app.url)).json()) as PaymentRequiredBody
    assert.deepEqual(challenge.accepts[0]?.transferFee, {
      basisPoints: 100,
      maximumFee: '1000000000000',
    })

    const before = await balance(mint, env.payerKeypair.publicKey)
    const response = await pay(app.url, mint)
    assert.equal(response.status, 200)
    const receipt = paymentResponse(response.headers)
    const received = await balance(mint, payTo)
    assert.ok(received >= 10_000n, `payee received ${received}`)
    assert.equal(BigInt(receipt.amount), received)
    // One transfer: the payer paid once, the price plus the 1% fee (rounded up).
    assert.equal(before - (await balance(mint, env.payerKeypair.publicKey)), 10_102n)
  })

  it('refuses before signing when the fee takes what leaves the wallet above the cap', async () => {
    const mint = feeMint()
    const { app, payTo } = await serve(mint, '0.10')
    const before = await balance(mint, env.payerKeypair.publicKey)
    const error = await pay(app.url, mint, '0.10').catch((e: unknown) => e)
    assert.ok(error instanceof SpendingCapError, String(error))
    assert.equal(error.cap, '0.1')
    assert.equal(await balance(mint, payTo), 0n)
    assert.equal(await balance(mint, env.payerKeypair.publicKey), before)
  })

  it('refuses before signing when a fee rise takes effect at the next epoch boundary', async () => {
    const mint = feeMint()
    const { app, payTo } = await serve(mint, '0.01')
    // The program schedules a new fee two epochs on; one epoch later it is one boundary away.
    env.rpc.setTransferFee({ mint, basisPoints: 500, maximumFee: 10n ** 12n })
    env.rpc.setEpoch(env.rpc.epoch() + 1n)
    const before = await balance(mint, env.payerKeypair.publicKey)
    const error = await pay(app.url, mint).catch((e: unknown) => e)
    assert.ok(error instanceof TransferFeeError, String(error))
    assert.equal(error.mint, mint.toBase58())
    assert.equal(await balance(mint, payTo), 0n)
    assert.equal(await balance(mint, env.payerKeypair.publicKey), before)
  })
})
