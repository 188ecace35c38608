import assert from 'node:assert/strict'
import { base } from '@tx402/chain-base'
import type { EvmAsset } from '@tx402/chain-evm'
import type { AcceptOption } from '@tx402/core'
import { deployTestToken } from '@tx402/testing/evm'
import { type Address, createWalletClient, http } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { callPaidEndpoint } from '../callPaidEndpoint.js'
import { PaymentFailedError } from '../errors.js'
import { memoryJournal } from '../journal/memoryJournal.js'
import { AssetMismatchError } from '../refusals.js'
import { type EvmEnv, startEvmEnv } from '../test/evmEnv.js'
import { type PaidApp, paymentResponse, startPaidApp } from '../test/paidApp.js'
import { evmPayer } from './evmPayer.js'

describe('evmPayer', function () {
  this.timeout(60_000)
  let env: EvmEnv
  const apps: PaidApp[] = []

  before(async () => {
    env = await startEvmEnv(8453, 4)
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
  /** A paid app taking `asset` on the Base preset against this node. */
  const serveBase = (
    payTo: Address,
    asset: EvmAsset,
    extra: Omit<Parameters<typeof startPaidApp>[0], 'chains'> = {},
  ) => serve({ chains: [base({ rpcUrl: env.node.rpcUrl, payTo, assets: [asset] })], ...extra })
  const option = (payTo: Address, overrides: Partial<AcceptOption> = {}): AcceptOption => ({
    chain: 'base',
    network: 'eip155:8453',
    asset: { standard: 'erc20', address: env.usdc, symbol: 'USDC', decimals: 6 },
    amount: '10000',
    payTo,
    minConfirmations: 2,
    maxAgeSeconds: 900,
    ...overrides,
  })

  it('signs an ERC-20 transfer whose hash is known before anything is sent', async () => {
    const payTo = env.freshPayTo()
    const payment = await env.payer.sign(option(payTo))
    assert.match(payment.txId, /^0x[0-9a-f]{64}$/)
    assert.equal(payment.from, env.payerAccount.address)
    assert.equal(await env.payer.status(payment), 'missing')
    await env.payer.broadcast(payment)
    assert.equal(await env.payer.status(payment), 'known')
    assert.deepEqual(
      await env.payer.confirm(payment, { minConfirmations: 2 }, Date.now() + 30_000),
      {
        txId: payment.txId,
      },
    )
    const transfers = await env.transfersTo(payTo)
    assert.deepEqual(transfers, [{ transactionHash: payment.txId, value: 10000n }])
    // Confirmed means at least 2 blocks, counting its own.
    const receipt = await env.publicClient.getTransactionReceipt({ hash: payment.txId as Address })
    assert.ok((await env.publicClient.getBlockNumber()) >= receipt.blockNumber + 1n)
  })

  it('refuses a challenge that misstates the decimals of the token, with no transfer', async () => {
    // The server claims 18 decimals: 0.01 "USDC" would be 10^16 base units of a 6-decimal token.
    const payTo = env.freshPayTo()
    const app = await serveBase(payTo, {
      standard: 'erc20',
      address: env.usdc,
      symbol: 'USDC',
      decimals: 18,
    })
    await assert.rejects(
      callPaidEndpoint(app.url, {}, { payers: [env.payer], journal: memoryJournal() }),
      // Refused by identity before the chain is read: that contract is USDC with 6 decimals.
      (e: unknown) => e instanceof AssetMismatchError && /USDC with 6 decimals/.test(e.message),
    )
    assert.deepEqual(await env.transfersTo(payTo), [])
  })

  it('refuses a challenge that calls another token USDC, with no transfer', async () => {
    const wbtc = await deployTestToken(env.node, {
      name: 'Wrapped BTC',
      symbol: 'WBTC',
      decimals: 6,
      mint: [[env.payerAccount.address, 10n ** 12n]],
    })
    const payTo = env.freshPayTo()
    await assert.rejects(
      env.payer.sign(
        option(payTo, { asset: { standard: 'erc20', address: wbtc, symbol: 'USDC', decimals: 6 } }),
      ),
      (e: unknown) => e instanceof PaymentFailedError && /WBTC/.test(e.message),
    )
  })

  it('pays in the native coin when the server asks for ETH', async () => {
    const payTo = env.freshPayTo()
    const app = await serveBase(
      payTo,
      { standard: 'native', symbol: 'ETH', decimals: 18 },
      { price: '0.001', asset: 'ETH' },
    )
    const response = await callPaidEndpoint(
      app.url,
      {},
      {
        payers: [env.payer],
        maxAmount: { ETH: '0.002' },
        journal: memoryJournal(),
      },
    )
    assert.equal(response.status, 200)
    assert.equal(paymentResponse(response.headers).amount, '1000000000000000')
    assert.equal(await env.publicClient.getBalance({ address: payTo }), 10n ** 15n)
  })

  it('fails with PaymentFailedError before journaling when the balance is short', async () => {
    const broke = privateKeyToAccount(env.node.accounts[5]!.privateKey)
    const payer = evmPayer({
      walletClient: createWalletClient({
        account: broke,
        chain: env.node.chain,
        transport: http(env.node.rpcUrl),
      }),
      publicClient: env.publicClient,
      assets: [{ address: env.usdc, symbol: 'USDC', decimals: 6 }],
    })
    const payTo = env.freshPayTo()
    const app = await serveBase(payTo, {
      standard: 'erc20',
      address: env.usdc,
      symbol: 'USDC',
      decimals: 6,
    })
    const journal = memoryJournal()
    await assert.rejects(
      callPaidEndpoint(app.url, {}, { payers: [payer], journal }),
      (e: unknown) => e instanceof PaymentFailedError && /nothing was paid/.test(e.message),
    )
    assert.deepEqual(await journal.list(), [])
  })

  it('signs proofs as EIP-191 messages of the paying account', async () => {
    assert.equal(env.payer.signsProofs, true)
    const signature = await env.payer.signProof(
      'tx402 payment proof\nnetwork: eip155:8453\ntx: 0x01\nchallenge: -',
    )
    assert.match(signature, /^0x[0-9a-f]{130}$/)
  })
})
