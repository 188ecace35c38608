import assert from 'node:assert/strict'
import { ed25519 } from '@noble/curves/ed25519'
import {
  ASSOCIATED_TOKEN_PROGRAM_ID,
  getAssociatedTokenAddressSync,
  TOKEN_2022_PROGRAM_ID,
  TOKEN_PROGRAM_ID,
} from '@solana/spl-token'
import { Keypair, type PublicKey, SystemProgram, Transaction } from '@solana/web3.js'
import { solana } from '@tx402/chain-solana'
import { type AcceptOption, deriveReference, proofMessage } from '@tx402/core'
import bs58 from 'bs58'
import { callPaidEndpoint } from '../callPaidEndpoint.js'
import { NoPayableOptionError, PaymentFailedError } from '../errors.js'
import { memoryJournal } from '../journal/memoryJournal.js'
import { type PaidApp, paymentResponse, startPaidApp } from '../test/paidApp.js'
import { signUnsent } from '../test/signUnsent.js'
import { type SolanaEnv, startSolanaEnv } from '../test/solanaEnv.js'
import type { SolanaWalletSigner } from './resolveOptions.js'
import { solanaPayer } from './solanaPayer.js'

describe('solanaPayer', function () {
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

  const serve = async (options: Parameters<typeof startPaidApp>[0]) => {
    const app = await startPaidApp(options)
    apps.push(app)
    return app
  }
  const chain = (payTo: string, assets?: Parameters<typeof solana>[0]['assets']) =>
    solana({
      rpcUrl: env.rpc.rpcUrl,
      network: env.rpc.network,
      payTo,
      assets: assets ?? [
        { standard: 'spl', mint: env.mint.toBase58(), symbol: 'USDC', decimals: 6 },
      ],
    })
  const reference = bs58.encode(deriveReference('c1.test.challenge'))
  const option = (payTo: PublicKey, overrides: Partial<AcceptOption> = {}): AcceptOption => ({
    chain: 'solana-local',
    network: env.rpc.network,
    asset: { standard: 'spl', mint: env.mint.toBase58(), symbol: 'USDC', decimals: 6 },
    amount: '10000',
    payTo: payTo.toBase58(),
    reference,
    commitment: 'confirmed',
    maxAgeSeconds: 900,
    ...overrides,
  })
  const decode = (serialized: string) => Transaction.from(Buffer.from(serialized, 'base64'))

  it('reads its network from the genesis hash', async () => {
    assert.equal(await env.payer.getNetwork(), env.rpc.network)
  })

  it('adds the reference as a read-only non-signer key of the transferChecked instruction', async () => {
    const payTo = Keypair.generate().publicKey
    const payment = await env.payer.sign(option(payTo))
    const tx = decode(payment.serialized)
    assert.equal(bs58.encode(tx.signature!), payment.txId)
    const transfer = tx.instructions.find((ix) => ix.programId.equals(TOKEN_PROGRAM_ID))!
    assert.equal(transfer.data[0], 12) // TransferChecked
    const last = transfer.keys.at(-1)!
    assert.equal(last.pubkey.toBase58(), reference)
    assert.equal(last.isSigner, false)
    assert.equal(last.isWritable, false)
    assert.ok(transfer.keys[2]!.pubkey.equals(getAssociatedTokenAddressSync(env.mint, payTo, true)))
  })

  it("creates the recipient's token account idempotently only when it is missing", async () => {
    const payTo = Keypair.generate().publicKey
    const first = await env.payer.sign(option(payTo))
    const programs = (serialized: string) =>
      decode(serialized).instructions.map((ix) => ix.programId.toBase58())
    assert.deepEqual(programs(first.serialized), [
      ASSOCIATED_TOKEN_PROGRAM_ID.toBase58(),
      TOKEN_PROGRAM_ID.toBase58(),
    ])
    // CreateIdempotent (1): a race with another creator does not fail the payment.
    assert.equal(decode(first.serialized).instructions[0]!.data[0], 1)
    await env.payer.broadcast(first)
    await env.payer.confirm(first, { commitment: 'confirmed' }, Date.now() + 30_000)
    assert.equal(await env.balanceOf(payTo), 10000n)
    const second = await env.payer.sign(option(payTo))
    assert.deepEqual(programs(second.serialized), [TOKEN_PROGRAM_ID.toBase58()])
  })

  it('refuses a challenge that misstates the mint decimals, before signing', async () => {
    const payTo = Keypair.generate().publicKey
    await assert.rejects(
      env.payer.sign(
        option(payTo, {
          asset: { standard: 'spl', mint: env.mint.toBase58(), symbol: 'USDC', decimals: 9 },
        }),
      ),
      (e: unknown) => e instanceof PaymentFailedError && /mint has 6/.test(e.message),
    )
  })

  it('pays a Token-2022 mint through the paid endpoint', async () => {
    const mint = env.rpc.createMint({ decimals: 6, tokenProgram: 'token-2022' })
    env.rpc.mintTo({ mint, owner: env.payerKeypair.publicKey, amount: 1_000_000n })
    const payTo = Keypair.generate().publicKey
    const app = await serve({
      chains: [
        chain(payTo.toBase58(), [
          {
            standard: 'spl',
            mint: mint.toBase58(),
            symbol: 'USDC',
            decimals: 6,
            tokenProgram: 'token-2022',
          },
        ]),
      ],
    })
    const response = await callPaidEndpoint(
      app.url,
      {},
      // A mint outside the known stablecoins is paid when listed by address.
      { payers: [env.payer], journal: memoryJournal(), maxAmount: { [mint.toBase58()]: '0.10' } },
    )
    assert.equal(response.status, 200)
    const ata = getAssociatedTokenAddressSync(mint, payTo, true, TOKEN_2022_PROGRAM_ID)
    const { value } = await env.connection.getTokenAccountBalance(ata)
    assert.equal(value.amount, '10000')
  })

  it('pays native SOL with the reference on the system transfer', async () => {
    const payTo = Keypair.generate().publicKey
    const app = await serve({
      chains: [chain(payTo.toBase58(), [{ standard: 'native', symbol: 'SOL', decimals: 9 }])],
      price: '0.001',
      asset: 'SOL',
    })
    const response = await callPaidEndpoint(
      app.url,
      {},
      {
        payers: [env.payer],
        maxAmount: { SOL: '0.01' },
        journal: memoryJournal(),
      },
    )
    assert.equal(response.status, 200)
    assert.equal(await env.connection.getBalance(payTo), 1_000_000)
    const payment = await env.payer.sign(
      option(payTo, { asset: { standard: 'native', symbol: 'SOL', decimals: 9 }, amount: '5' }),
    )
    const transfer = decode(payment.serialized).instructions[0]!
    assert.ok(transfer.programId.equals(SystemProgram.programId))
    assert.equal(transfer.keys.at(-1)!.pubkey.toBase58(), reference)
  })

  it('pays and proves with a wallet-adapter style signer', async () => {
    const keypair = Keypair.generate()
    env.rpc.fund(keypair.publicKey, 1_000_000_000n)
    env.rpc.mintTo({ mint: env.mint, owner: keypair.publicKey, amount: 1_000_000n })
    const signed: string[] = []
    const wallet: SolanaWalletSigner = {
      publicKey: keypair.publicKey,
      async signTransaction(tx) {
        tx.partialSign(keypair)
        return tx
      },
      async signMessage(message) {
        signed.push(new TextDecoder().decode(message))
        return ed25519.sign(message, keypair.secretKey.slice(0, 32))
      },
    }
    const payTo = Keypair.generate().publicKey
    const app = await serve({ chains: [chain(payTo.toBase58())], requireProof: true })
    const response = await callPaidEndpoint(
      app.url,
      {},
      {
        payers: [
          solanaPayer({
            connection: env.connection,
            signer: wallet,
            pollIntervalMs: 50,
            assets: [{ address: env.mint.toBase58(), symbol: 'USDC', decimals: 6 }],
          }),
        ],
        journal: memoryJournal(),
      },
    )
    assert.equal(response.status, 200)
    const receipt = paymentResponse(response.headers)
    assert.equal(receipt.payer, keypair.publicKey.toBase58())
    assert.equal(signed.length, 1)
    assert.match(
      signed[0]!,
      new RegExp(
        `^tx402 payment proof\nnetwork: ${receipt.network}\ntx: ${receipt.transaction}\nchallenge: c2\\.`,
      ),
    )
    assert.equal(await env.balanceOf(payTo), 10000n)
  })

  it('does not pay a server demanding a proof with a wallet that cannot sign messages', async () => {
    const keypair = Keypair.generate()
    const wallet: SolanaWalletSigner = {
      publicKey: keypair.publicKey,
      async signTransaction(tx) {
        tx.partialSign(keypair)
        return tx
      },
    }
    const payTo = Keypair.generate().publicKey
    const app = await serve({ chains: [chain(payTo.toBase58())], requireProof: true })
    await assert.rejects(
      callPaidEndpoint(
        app.url,
        {},
        {
          payers: [solanaPayer({ connection: env.connection, signer: wallet })],
          journal: memoryJournal(),
        },
      ),
      NoPayableOptionError,
    )
    assert.equal(await env.balanceOf(payTo), 0n)
  })

  it('signs proofs with a Keypair as base58 ed25519 over the UTF-8 message', async () => {
    const message = proofMessage({ network: env.rpc.network, txId: 'abc', challengeId: undefined })
    const signature = bs58.decode(await env.payer.signProof(message))
    assert.ok(
      ed25519.verify(
        signature,
        new TextEncoder().encode(message),
        env.payerKeypair.publicKey.toBytes(),
      ),
    )
  })

  it('pays afresh when a journaled transaction expired unsent (blockhash too old)', async () => {
    const payTo = Keypair.generate().publicKey
    const app = await serve({ chains: [chain(payTo.toBase58())] })
    const journal = memoryJournal()
    // A crash after signing, before broadcast.
    const payment = await signUnsent(app.url, env.payer, journal)
    assert.equal(await env.payer.status(payment), 'missing')
    // Past the blockhash's last valid block height: those bytes can never land.
    while ((await env.connection.getBlockHeight('confirmed')) <= payment.validUntil) {
      env.rpc.mintTo({ mint: env.mint, owner: Keypair.generate().publicKey, amount: 1n })
    }
    assert.equal(await env.payer.status(payment), 'expired')
    const response = await callPaidEndpoint(app.url, {}, { payers: [env.payer], journal })
    assert.equal(response.status, 200)
    assert.notEqual(paymentResponse(response.headers).transaction, payment.txId)
    assert.equal(await env.balanceOf(payTo), 10000n)
    assert.deepEqual(await journal.list(), [])
  })
})
