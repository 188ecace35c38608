import assert from 'node:assert/strict'
import { Connection, Keypair } from '@solana/web3.js'
import { avalanche } from '@tx402/chain-avalanche'
import { base } from '@tx402/chain-base'
import { solana } from '@tx402/chain-solana'
import { type ChainPlugin, proofMessage } from '@tx402/core'
import { startSolanaRpc } from '@tx402/testing/solana'
import type { Address } from 'viem'
import { verifyMessage } from 'viem'
import { callPaidEndpoint, type PaidFetchOptions } from './callPaidEndpoint.js'
import { PaymentRejectedError, PaymentTimeoutError, SpendingCapError } from './errors.js'
import { memoryJournal } from './journal/memoryJournal.js'
import type { PaymentJournal } from './journal/types.js'
import { solanaPayer } from './solana/solanaPayer.js'
import { type EvmEnv, startEvmEnv } from './test/evmEnv.js'
import { type PaidApp, paymentResponse, scriptedFirst, startPaidApp } from './test/paidApp.js'
import { type SolanaEnv, startSolanaEnv } from './test/solanaEnv.js'

describe('callPaidEndpoint end to end (Koa + @tx402/koa, anvil, Solana test RPC)', function () {
  this.timeout(60_000)
  let baseEnv: EvmEnv
  let avalancheEnv: EvmEnv
  let solanaEnv: SolanaEnv
  const apps: PaidApp[] = []

  before(async () => {
    ;[baseEnv, avalancheEnv, solanaEnv] = await Promise.all([
      startEvmEnv(8453),
      startEvmEnv(43114),
      startSolanaEnv(),
    ])
  })
  after(async () => {
    await Promise.all(apps.map((app) => app.stop()))
    await Promise.all([baseEnv?.stop(), avalancheEnv?.stop(), solanaEnv?.stop()])
  })

  const usdcOn = (env: EvmEnv) => [
    { standard: 'erc20' as const, address: env.usdc, symbol: 'USDC', decimals: 6 },
  ]
  const baseChain = (payTo: Address) =>
    base({ rpcUrl: baseEnv.node.rpcUrl, payTo, assets: usdcOn(baseEnv) })
  const avalancheChain = (payTo: Address) =>
    avalanche({ rpcUrl: avalancheEnv.node.rpcUrl, payTo, assets: usdcOn(avalancheEnv) })
  const solanaChain = (payTo: string, commitment: 'confirmed' | 'finalized' = 'confirmed') =>
    solana({
      rpcUrl: solanaEnv.rpc.rpcUrl,
      network: solanaEnv.rpc.network,
      payTo,
      commitment,
      assets: [{ standard: 'spl', mint: solanaEnv.mint.toBase58(), symbol: 'USDC', decimals: 6 }],
    })
  const serve = async (options: Parameters<typeof startPaidApp>[0]) => {
    const app = await startPaidApp(options)
    apps.push(app)
    return app
  }
  const allPayers = () => [baseEnv.payer, avalancheEnv.payer, solanaEnv.payer]
  /** A paid GET with every payer and a fresh journal, unless `options` says otherwise. */
  const pay = (url: string, options: Partial<PaidFetchOptions> = {}) =>
    callPaidEndpoint(url, {}, { payers: allPayers(), journal: memoryJournal(), ...options })

  it('pays on Base, waits for its 2 confirmations, and returns the paid response', async () => {
    const payTo = baseEnv.freshPayTo()
    const app = await serve({ chains: [baseChain(payTo)] })
    const response = await pay(app.url)
    assert.equal(response.status, 200)
    const receipt = paymentResponse(response.headers)
    assert.equal(receipt.chain, 'base')
    assert.equal(receipt.amount, '10000')
    assert.equal(receipt.payer, baseEnv.payerAccount.address)
    assert.deepEqual(await response.json(), { forecast: 'sunny', paidWith: receipt.transaction })
    const transfers = await baseEnv.transfersTo(payTo)
    assert.deepEqual(transfers, [{ transactionHash: receipt.transaction, value: 10000n }])
  })

  it('pays and is served on a route whose path is 2,000 bytes, on Base and on Solana', async () => {
    const app = await serve({
      chains: [
        baseChain(baseEnv.freshPayTo()),
        solanaChain(Keypair.generate().publicKey.toBase58()),
      ],
    })
    // 33 percent-encoded CJK characters already broke a challenge of the path itself.
    const path = `/api/long/${'%E4%BD%A0'.repeat(221)}x`
    assert.equal(path.length, 2000)
    for (const preferredChains of [['base'], [solanaEnv.rpc.network]]) {
      const response = await pay(`${app.origin}${path}`, { preferredChains })
      assert.equal(response.status, 200)
      assert.equal(((await response.json()) as { length: number }).length, 2000)
    }
  })

  it("pays on Avalanche when it is the caller's preferred chain", async () => {
    const basePayTo = baseEnv.freshPayTo()
    const avalanchePayTo = avalancheEnv.freshPayTo()
    const app = await serve({ chains: [baseChain(basePayTo), avalancheChain(avalanchePayTo)] })
    const response = await pay(app.url, { preferredChains: ['avalanche'] })
    assert.equal(response.status, 200)
    const receipt = paymentResponse(response.headers)
    assert.equal(receipt.network, 'eip155:43114')
    assert.equal((await avalancheEnv.transfersTo(avalanchePayTo)).length, 1)
    assert.equal((await baseEnv.transfersTo(basePayTo)).length, 0)
  })

  it('pays on Solana with the reference, creating the recipient token account', async () => {
    const payTo = Keypair.generate().publicKey
    const app = await serve({
      chains: [baseChain(baseEnv.freshPayTo()), solanaChain(payTo.toBase58())],
    })
    const response = await pay(app.url, { preferredChains: [solanaEnv.rpc.network] })
    assert.equal(response.status, 200)
    const receipt = paymentResponse(response.headers)
    assert.equal(receipt.network, solanaEnv.rpc.network)
    assert.equal(receipt.payer, solanaEnv.payerKeypair.publicKey.toBase58())
    assert.equal(await solanaEnv.balanceOf(payTo), 10000n)
  })

  it('refuses above the spending cap with a typed error and no transfer', async () => {
    const payTo = baseEnv.freshPayTo()
    const app = await serve({ chains: [baseChain(payTo)], price: '0.25' })
    const error = await pay(app.url).catch((e: unknown) => e)
    assert.ok(error instanceof SpendingCapError, String(error))
    assert.equal(error.amount, '0.25')
    assert.equal(error.cap, '0.1')
    // A cap the price fits in pays.
    const paid = await pay(app.url, { maxAmount: { USDC: '0.25' } })
    assert.equal(paid.status, 200)
    assert.equal((await baseEnv.transfersTo(payTo)).length, 1)
  })

  it('refuses without paying when the cap names no asset the server asks for', async () => {
    const payTo = baseEnv.freshPayTo()
    const app = await serve({ chains: [baseChain(payTo)] })
    await assert.rejects(pay(app.url, { maxAmount: { ETH: '1' } }), SpendingCapError)
    assert.deepEqual(await baseEnv.transfersTo(payTo), [])
  })

  it('retries payment_pending with the same transaction: one transfer on chain', async () => {
    const payTo = baseEnv.freshPayTo()
    const chain = scriptedFirst(baseChain(payTo), 'pending')
    const app = await serve({ chains: [chain] })
    const response = await pay(app.url)
    assert.equal(response.status, 200)
    const transfers = await baseEnv.transfersTo(payTo)
    assert.equal(transfers.length, 1)
    assert.deepEqual(chain.verifications, [
      transfers[0]!.transactionHash,
      transfers[0]!.transactionHash,
    ])
  })

  it('gives up at the deadline keeping the payment, and presents it on the next call', async () => {
    const payTo = baseEnv.freshPayTo()
    const chain = scriptedFirst(baseChain(payTo), 'pending', 2)
    const app = await serve({ chains: [chain] })
    const journal = memoryJournal()
    const error = await pay(app.url, { journal, timeoutMs: 1500 }).catch((e: unknown) => e)
    assert.ok(error instanceof PaymentTimeoutError, String(error))
    assert.equal(error.lastCode, 'payment_pending')
    const [kept] = await journal.list()
    assert.equal(kept?.payment.txId, error.txId)
    assert.equal(kept?.state, 'confirmed')
    const response = await pay(app.url, { journal })
    assert.equal(response.status, 200)
    assert.equal(paymentResponse(response.headers).transaction, error.txId)
    assert.deepEqual(
      (await baseEnv.transfersTo(payTo)).map((t) => t.transactionHash),
      [error.txId],
    )
  })

  it('retries a 503 with the same transaction: one transfer on chain', async () => {
    const payTo = Keypair.generate().publicKey
    const chain = scriptedFirst(solanaChain(payTo.toBase58()), 'unavailable')
    const app = await serve({ chains: [chain] })
    const response = await pay(app.url)
    assert.equal(response.status, 200)
    const { transaction } = paymentResponse(response.headers)
    assert.deepEqual(chain.verifications, [transaction, transaction])
    assert.equal(await solanaEnv.balanceOf(payTo), 10000n)
  })

  it('waits for the finalized commitment before presenting a Solana payment', async () => {
    // A node where transactions land 'confirmed' and are finalized only when the test says so.
    const rpc = await startSolanaRpc({ landAt: 'confirmed' })
    try {
      const mint = rpc.createMint({ decimals: 6 })
      const signer = Keypair.generate()
      rpc.fund(signer.publicKey, 10_000_000_000n)
      rpc.mintTo({ mint, owner: signer.publicKey, amount: 1_000_000n })
      const payTo = Keypair.generate().publicKey.toBase58()
      const chain = scriptedFirst(
        solana({
          rpcUrl: rpc.rpcUrl,
          network: rpc.network,
          payTo,
          commitment: 'finalized',
          assets: [{ standard: 'spl', mint: mint.toBase58(), symbol: 'USDC', decimals: 6 }],
        }),
      )
      const app = await serve({ chains: [chain] })
      let finalizedAt = 0
      const journal = memoryJournal()
      const watched: PaymentJournal = {
        ...journal,
        async put(entry) {
          await journal.put(entry)
          if (entry.state === 'broadcast') {
            setTimeout(() => {
              finalizedAt = chain.verifications.length + 1
              rpc.setCommitment(entry.payment.txId, 'finalized')
            }, 300)
          }
        },
      }
      const connection = new Connection(rpc.rpcUrl, 'confirmed')
      const response = await callPaidEndpoint(
        app.url,
        {},
        {
          payers: [solanaPayer({ connection, signer, pollIntervalMs: 50 })],
          maxAmount: { [mint.toBase58()]: '0.10' },
          journal: watched,
        },
      )
      assert.equal(response.status, 200)
      // Presented once, after finalization: never answered payment_pending.
      assert.equal(finalizedAt, 1)
      assert.equal(chain.verifications.length, 1)
    } finally {
      await rpc.stop()
    }
  })

  it('surfaces the server error code and message of a rejected payment in a typed error', async () => {
    const payTo = baseEnv.freshPayTo()
    const chain = scriptedFirst(baseChain(payTo), {
      status: 'invalid',
      reason: 'tx_too_old',
      message: 'The transaction is too old (scripted).',
    })
    const app = await serve({ chains: [chain] })
    const journal = memoryJournal()
    const error = await pay(app.url, { journal }).catch((e: unknown) => e)
    assert.ok(error instanceof PaymentRejectedError, String(error))
    assert.equal(error.code, 'tx_too_old')
    assert.equal(error.serverMessage, 'The transaction is too old (scripted).')
    assert.equal(error.status, 402)
    assert.equal(error.txId, chain.verifications[0])
    // A refused transaction is not presented again, and the client does not pay again by itself.
    assert.deepEqual(await journal.list(), [])
    assert.equal((await baseEnv.transfersTo(payTo)).length, 1)
  })

  it('sends x-payment-proof signed by the payer when the server requires it', async () => {
    const evmPayTo = baseEnv.freshPayTo()
    const solPayTo = Keypair.generate().publicKey.toBase58()
    const app = await serve({
      chains: [baseChain(evmPayTo), solanaChain(solPayTo)],
      requireProof: true,
    })
    for (const preferred of ['base', solanaEnv.rpc.network]) {
      const response = await pay(app.url, { preferredChains: [preferred] })
      assert.equal(response.status, 200, preferred)
    }
    // The proof is what the server checked; check one signature independently too.
    const message = proofMessage({ network: 'eip155:8453', txId: '0x01', challengeId: 'c' })
    const signature = await baseEnv.payer.signProof(message)
    assert.ok(
      await verifyMessage({
        address: baseEnv.payerAccount.address,
        message,
        signature: signature as `0x${string}`,
      }),
    )
  })

  it('keeps a payment whose route failed and presents it again on the next call', async () => {
    const payTo = baseEnv.freshPayTo()
    const app = await serve({ chains: [baseChain(payTo)] })
    const journal = memoryJournal()
    const failed = await pay(`${app.origin}/api/flaky`, { journal })
    assert.equal(failed.status, 500)
    assert.deepEqual(await failed.json(), { error: 'internal', message: 'The handler failed.' })
    assert.equal((await journal.list()).length, 1)
    const served = await pay(`${app.origin}/api/flaky`, { journal })
    assert.equal(served.status, 200)
    const transfers = await baseEnv.transfersTo(payTo)
    assert.equal(transfers.length, 1)
    assert.equal(paymentResponse(served.headers).transaction, transfers[0]!.transactionHash)
    assert.deepEqual(await journal.list(), [])
  })

  it('resends the request body on the paid retry', async () => {
    const app = await serve({ chains: [baseChain(baseEnv.freshPayTo())] })
    const response = await callPaidEndpoint(
      `${app.origin}/api/echo`,
      { method: 'POST', body: 'hello tx402', headers: { 'content-type': 'text/plain' } },
      { payers: allPayers(), journal: memoryJournal() },
    )
    assert.equal(response.status, 200)
    assert.equal(((await response.json()) as { echo: string }).echo, 'hello tx402')
  })

  it('returns responses that ask for no payment as they are', async () => {
    const app = await serve({ chains: [baseChain(baseEnv.freshPayTo())] })
    const response = await pay(`${app.origin}/nowhere`)
    assert.equal(response.status, 404)
  })

  it('pays a later request again once a served payment is settled', async () => {
    const payTo = avalancheEnv.freshPayTo()
    const app = await serve({ chains: [avalancheChain(payTo)] as ChainPlugin[] })
    const journal = memoryJournal()
    const first = await pay(app.url, { journal })
    const second = await pay(app.url, { journal })
    assert.equal(first.status, 200)
    assert.equal(second.status, 200)
    assert.notEqual(
      paymentResponse(first.headers).transaction,
      paymentResponse(second.headers).transaction,
    )
    assert.equal((await avalancheEnv.transfersTo(payTo)).length, 2)
  })
})
