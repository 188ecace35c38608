import assert from 'node:assert/strict'
import {
  AuthorityType,
  createEnableRequiredMemoTransfersInstruction,
  createReallocateInstruction,
  createSetAuthorityInstruction,
  ExtensionType,
  TOKEN_2022_PROGRAM_ID,
} from '@solana/spl-token'
import { Keypair, Transaction } from '@solana/web3.js'
import { ConfigurationError, memoryLedger } from '@tx402/core'
import { paymentRequired } from '@tx402/koa'
import { type LocalChain, startLocalChain } from './test/localChain.js'

const secret = 'solana-destination-secret-at-least-32-bytes!'

describe("the startup check of payTo's destination accounts on the litesvm RPC (paid.ready)", () => {
  let chain: LocalChain
  before(async () => {
    chain = await startLocalChain()
  })
  after(() => chain.stop())

  const route = (payTo: Keypair, price: { price: string; asset: string }) =>
    paymentRequired({
      ...price,
      chains: [chain.plugin({ payTo: payTo.publicKey.toBase58(), timeoutMs: 1_000 })],
      ledger: memoryLedger(),
      secret,
      // FEE's transfer-fee notice is not what these tests are about.
      logger: { info() {}, warn() {}, error() {} },
    })

  const failure = async (paid: { ready(): Promise<void> }): Promise<string> => {
    const error = await paid.ready().then(
      () => undefined,
      (caught: unknown) => caught,
    )
    assert.ok(error instanceof ConfigurationError, `ready() passed or threw ${String(error)}`)
    return error.message
  }

  it("fails naming payTo's USDC token account when its owner was moved (SetAuthority), passes before", async () => {
    const payTo = Keypair.generate()
    const thief = Keypair.generate()
    chain.rpc.fund(payTo.publicKey, 1_000_000_000n)
    const account = chain.rpc.mintTo({ mint: chain.usdc, owner: payTo.publicKey, amount: 0n })
    const paid = route(payTo, { price: '0.01', asset: 'USDC' })
    await paid.ready()

    const move = new Transaction().add(
      createSetAuthorityInstruction(
        account,
        payTo.publicKey,
        AuthorityType.AccountOwner,
        thief.publicKey,
      ),
    )
    await chain.connection.sendTransaction(move, [payTo])

    const message = await failure(route(payTo, { price: '0.01', asset: 'USDC' }))
    assert.match(message, new RegExp(`USDC associated token account ${account.toBase58()}`))
    assert.match(message, new RegExp(`is owned by ${thief.publicKey.toBase58()}, not by payTo`))
    assert.match(message, /SetAuthority/)
  })

  it("fails naming payTo's Token-2022 token account that requires a memo on incoming transfers", async () => {
    const payTo = Keypair.generate()
    chain.rpc.fund(payTo.publicKey, 1_000_000_000n)
    const account = chain.rpc.mintTo({ mint: chain.feeToken, owner: payTo.publicKey, amount: 0n })
    await route(payTo, { price: '0.01', asset: 'FEE' }).ready()

    const requireMemo = new Transaction().add(
      createReallocateInstruction(
        account,
        payTo.publicKey,
        [ExtensionType.MemoTransfer],
        payTo.publicKey,
        [],
        TOKEN_2022_PROGRAM_ID,
      ),
      createEnableRequiredMemoTransfersInstruction(
        account,
        payTo.publicKey,
        [],
        TOKEN_2022_PROGRAM_ID,
      ),
    )
    await chain.connection.sendTransaction(requireMemo, [payTo])

    const message = await failure(route(payTo, { price: '0.01', asset: 'FEE' }))
    assert.match(message, new RegExp(`FEE associated token account ${account.toBase58()}`))
    assert.match(message, /requires a memo on incoming transfers/)
  })

  it('fails naming the rent rule for a native-SOL price below the rent-exempt minimum to a fresh payTo', async () => {
    const payTo = Keypair.generate()
    const message = await failure(route(payTo, { price: '0.0001', asset: 'SOL' }))
    assert.match(message, /A price of 0\.0001 SOL to payTo \w+ \(balance 0 SOL\)/)
    assert.match(message, /rent-exempt minimum of 0\.00089088 SOL/)
    assert.match(message, /insufficient funds for rent/)
  })

  it('passes the same price once payTo holds the rent-exempt minimum, and a price that reaches it alone', async () => {
    const funded = Keypair.generate()
    chain.rpc.fund(funded.publicKey, 890_880n)
    await route(funded, { price: '0.0001', asset: 'SOL' }).ready()
    await route(Keypair.generate(), { price: '0.001', asset: 'SOL' }).ready()
  })
})
