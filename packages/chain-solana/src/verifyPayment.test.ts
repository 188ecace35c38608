import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { getAssociatedTokenAddressSync } from '@solana/spl-token'
import { Keypair, PublicKey } from '@solana/web3.js'
import {
  type ChallengeContext,
  formatAmount,
  isRefusal,
  judgePayment,
  VerifierUnavailableError,
  type VerifyContext,
} from '@tx402/core'
import { judgeReport } from '@tx402/core/testing'
import { sendTransfer, type TransferOptions } from '@tx402/testing/solana'
import bs58 from 'bs58'
import type { SolanaPlugin } from './solana.js'
import { type LocalChain, startLocalChain } from './test/localChain.js'

describe('verifyPayment (solana plugin over a local JSON-RPC)', () => {
  let chain: LocalChain
  let plugin: SolanaPlugin

  before(async () => {
    chain = await startLocalChain()
    plugin = chain.plugin()
  })
  after(() => chain.stop())

  const pay = (options: Partial<TransferOptions> = {}) =>
    sendTransfer(chain.connection, {
      payer: chain.payer,
      to: chain.payTo,
      mint: chain.usdc,
      amount: 10_000n,
      ...options,
    })
  const paySol = (amount: bigint) =>
    sendTransfer(chain.connection, { payer: chain.payer, to: chain.payTo, amount })
  const verify = (txId: string, amount = 10_000n, extra: Partial<VerifyContext> = {}) =>
    plugin.verify({ txId, requirement: chain.requirement(chain.assets.usdc, amount), ...extra })
  /** What the engine answers: the plugin's facts, judged as the engine judges them. */
  const judged = async (context: VerifyContext, now = Date.now()) =>
    judgeReport(await plugin.verify(context), { ...context, now })
  const check = (txId: string, amount = 10_000n, extra: Partial<VerifyContext> = {}) =>
    judged({ txId, requirement: chain.requirement(chain.assets.usdc, amount), ...extra })

  it('accepts a transferChecked of the price and names the payer from the chain', async () => {
    const txId = await pay()
    const result = await verify(txId)
    assert.equal(result.status, 'confirmed')
    if (result.status !== 'confirmed') return
    assert.equal(result.amount, 10_000n)
    assert.equal(result.payer, chain.payer.publicKey.toBase58())
    assert.ok(Math.abs(result.blockTime - Date.now() / 1000) < 3600)
  })

  it('counts the whole increase when more than the price was paid', async () => {
    const result = await verify(await pay({ amount: 25_000n }))
    assert.equal(result.status === 'confirmed' && result.amount, 25_000n)
  })

  it('accepts a payment whose receiving token account is created in the same transaction', async () => {
    const owner = Keypair.generate().publicKey
    const txId = await pay({ to: owner })
    const tx = await chain.connection.getParsedTransaction(txId, {
      commitment: 'confirmed',
      maxSupportedTransactionVersion: 0,
    })
    const ata = getAssociatedTokenAddressSync(chain.usdc, owner).toBase58()
    const index = tx!.transaction.message.accountKeys.findIndex((k) => k.pubkey.toBase58() === ata)
    assert.equal(
      tx!.meta!.preTokenBalances!.some((b) => b.accountIndex === index),
      false,
    )
    const result = await plugin.verify({
      txId,
      requirement: { ...chain.requirement(chain.assets.usdc, 10_000n), payTo: owner.toBase58() },
    })
    assert.equal(result.status === 'confirmed' && result.amount, 10_000n)
  })

  it('accepts a v0 transaction whose receiving account comes from an address lookup table', async () => {
    const destination = getAssociatedTokenAddressSync(chain.usdc, chain.payTo)
    const table = chain.rpc.createLookupTable([chain.usdc, destination])
    const txId = await pay({ lookupTable: table })
    const tx = await chain.connection.getParsedTransaction(txId, {
      commitment: 'confirmed',
      maxSupportedTransactionVersion: 0,
    })
    const keys = tx!.transaction.message.accountKeys
    assert.equal(tx!.version, 0)
    assert.equal(keys.find((k) => k.pubkey.equals(destination))?.source, 'lookupTable')
    const result = await verify(txId)
    assert.equal(result.status === 'confirmed' && result.amount, 10_000n)
  })

  it('rejects a transaction that failed on chain as tx_failed', async () => {
    const txId = await pay({ amount: 10n ** 15n, skipPreflight: true })
    assert.equal(await check(txId), 'tx_failed')
  })

  it('rejects a transfer of another mint to payTo as wrong_asset', async () => {
    assert.equal(await check(await pay({ mint: chain.other })), 'wrong_asset')
  })

  it('rejects native SOL sent to payTo when a token is asked as wrong_asset', async () => {
    const txId = await paySol(5_000_000n)
    assert.equal(await check(txId), 'wrong_asset')
  })

  it('rejects a transfer to another owner as wrong_recipient', async () => {
    const txId = await pay({ to: Keypair.generate().publicKey })
    assert.equal(await check(txId), 'wrong_recipient')
  })

  it('rejects less than the price as insufficient_amount', async () => {
    const requirement = chain.requirement(chain.assets.usdc, 10_000n)
    const result = await plugin.verify({ txId: await pay({ amount: 9_999n }), requirement })
    assert.ok(result.status === 'confirmed')
    assert.equal(formatAmount(result.amount, 6), '0.009999')
    const verdict = judgePayment(result, { requirement, now: Date.now(), clockSkewSeconds: 60 })
    assert.equal(isRefusal(verdict) && verdict.refuse, 'insufficient_amount')
    assert.match(isRefusal(verdict) ? verdict.message : '', /received 0\.009999 USDC/)
  })

  it('counts what arrives of a Token-2022 transfer, net of its transfer fee', async () => {
    const txId = await pay({ mint: chain.feeToken, amount: 10_000n })
    const requirement = (amount: bigint) => chain.requirement(chain.assets.feeToken, amount)
    assert.equal(await judged({ txId, requirement: requirement(10_000n) }), 'insufficient_amount')
    const net = await plugin.verify({ txId, requirement: requirement(9_900n) })
    assert.equal(net.status === 'confirmed' && net.amount, 9_900n)
  })

  describe('with a challenge', () => {
    const challenge = (): ChallengeContext => ({
      id: 'c1.test',
      issuedAt: Math.floor(Date.now() / 1000),
      reference: Keypair.generate().publicKey.toBytes(),
    })

    it('accepts a transaction carrying the challenge reference', async () => {
      const context = challenge()
      const txId = await pay({ reference: new PublicKey(context.reference) })
      assert.equal(await check(txId, 10_000n, { challenge: context }), 'confirmed')
    })

    it('rejects a transaction without the reference as challenge_invalid', async () => {
      const txId = await pay({ reference: Keypair.generate().publicKey })
      assert.equal(await check(txId, 10_000n, { challenge: challenge() }), 'challenge_invalid')
      assert.equal(
        await check(await pay(), 10_000n, { challenge: challenge() }),
        'challenge_invalid',
      )
    })

    it('rejects a transaction older than the challenge, less the clock skew, as tx_too_old', async () => {
      const context = challenge()
      const txId = await pay({ reference: new PublicKey(context.reference) })
      const later = { ...context, issuedAt: context.issuedAt + 3600 }
      assert.equal(await check(txId, 10_000n, { challenge: later }), 'tx_too_old')
    })
  })

  it('rejects a transaction older than maxAgeSeconds as tx_too_old, and never with the check off', async () => {
    const txId = await pay()
    const requirement = (maxAgeSeconds: number) =>
      chain.requirement(chain.assets.usdc, 10_000n, maxAgeSeconds)
    const inAnHour = Date.now() + 3_600_000
    assert.equal(await judged({ txId, requirement: requirement(900) }, inAnHour), 'tx_too_old')
    assert.equal(await judged({ txId, requirement: requirement(0) }, inAnHour), 'confirmed')
    assert.equal(await judged({ txId, requirement: requirement(900) }), 'confirmed')
  })

  it('answers tx_not_found for a signature the chain never saw', async () => {
    const unknown = bs58.encode(randomBytes(64))
    assert.equal(await check(plugin.normalizeTxId(unknown)), 'tx_not_found')
  })

  it('accepts native SOL as the lamport increase of payTo', async () => {
    const txId = await paySol(2_000_000n)
    const result = await plugin.verify({
      txId,
      requirement: chain.requirement(chain.assets.sol, 2_000_000n),
    })
    assert.equal(result.status === 'confirmed' && result.amount, 2_000_000n)
    assert.equal(result.status === 'confirmed' && result.payer, chain.payer.publicKey.toBase58())
    const tokens = { txId: await pay(), requirement: chain.requirement(chain.assets.sol, 1n) }
    assert.equal(await judged(tokens), 'wrong_asset')
  })
})

describe('verifyPayment when the chain is not there yet or not at all', () => {
  let chain: LocalChain

  before(async () => {
    chain = await startLocalChain({ landAt: 'confirmed' })
  })
  after(() => chain.stop())

  const pay = () =>
    sendTransfer(chain.connection, {
      payer: chain.payer,
      to: chain.payTo,
      mint: chain.usdc,
      amount: 10_000n,
    })

  it('answers pending for a transaction known below the configured commitment, then confirms it', async () => {
    const plugin = chain.plugin({ commitment: 'finalized' })
    const txId = await pay()
    const context = {
      txId,
      requirement: chain.requirement(chain.assets.usdc, 10_000n),
    }
    const pending = await plugin.verify(context)
    assert.equal(pending.status, 'pending')
    assert.ok(pending.status === 'pending' && pending.retryAfterMs > 0)
    chain.rpc.setCommitment(txId, 'finalized')
    assert.equal((await plugin.verify(context)).status, 'confirmed')
  })

  it('throws VerifierUnavailableError, without the RPC URL, when the RPC times out', async () => {
    const plugin = chain.plugin({ timeoutMs: 200 })
    await plugin.ready()
    const txId = await pay()
    chain.rpc.stall(true)
    try {
      const error = await plugin
        .verify({ txId, requirement: chain.requirement(chain.assets.usdc, 1n) })
        .catch((e: unknown) => e)
      assert.ok(error instanceof VerifierUnavailableError)
      assert.ok(!error.message.includes(chain.rpc.rpcUrl.replace('http://', '')))
    } finally {
      chain.rpc.stall(false)
    }
  })

  it('throws VerifierUnavailableError when the RPC is stopped', async () => {
    const other = await startLocalChain()
    const plugin = other.plugin()
    const txId = await sendTransfer(other.connection, {
      payer: other.payer,
      to: other.payTo,
      mint: other.usdc,
      amount: 1n,
    })
    await plugin.ready()
    await other.stop()
    await assert.rejects(
      plugin.verify({
        txId,
        requirement: other.requirement(other.assets.usdc, 1n),
      }),
      (error: unknown) =>
        error instanceof VerifierUnavailableError && !error.message.includes(other.rpc.rpcUrl),
    )
  })
})
