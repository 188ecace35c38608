import assert from 'node:assert/strict'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
// A second installed copy of viem, of another version: the app's, not this package's.
import * as otherViem from 'viem-other'
import { privateKeyToAccount as otherPrivateKeyToAccount } from 'viem-other/accounts'
import { callPaidEndpoint } from '../callPaidEndpoint.js'
import { PaymentFailedError, PaymentTimeoutError } from '../errors.js'
import { memoryJournal } from '../journal/memoryJournal.js'
import type { PaymentJournal } from '../journal/types.js'
import type { Payer } from '../payer.js'
import { type BrowserWalletEnv, startBrowserWalletEnv } from '../test/browserWalletEnv.js'
import { usdcOnAnvil } from '../test/evmEnv.js'
import { type PaidApp, paymentResponse, startPaidApp } from '../test/paidApp.js'
import { signUnsent } from '../test/signUnsent.js'
import { evmPayer } from './evmPayer.js'

describe("evmPayer with the app's clients from another copy of viem (2.23.2) judges viem's errors alike (anvil)", function () {
  this.timeout(90_000)
  let env: BrowserWalletEnv
  let payer: Payer
  const apps: PaidApp[] = []

  before(async () => {
    assert.notEqual(otherViem.BaseError, (await import('viem')).BaseError)
    env = await startBrowserWalletEnv(4)
    const account = otherPrivateKeyToAccount(env.node.accounts[4]!.privateKey)
    const transport = otherViem.http(env.node.rpcUrl, { retryCount: 0 })
    const chain = otherChain()
    payer = evmPayer({
      walletClient: otherViem.createWalletClient({ account, chain, transport }) as never,
      publicClient: otherViem.createPublicClient({
        chain,
        transport,
        pollingInterval: 50,
      }) as never,
      assets: [{ address: env.usdc, symbol: 'USDC', decimals: 6 }],
    })
  })
  afterEach(async () => {
    await env?.stopMining()
    await Promise.all(apps.splice(0).map((app) => app.stop()))
  })
  after(async () => {
    await env?.stop()
  })

  /** The node's chain, defined by the other copy. */
  const otherChain = () =>
    otherViem.defineChain({
      id: env.node.chainId,
      name: 'anvil',
      nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
      rpcUrls: { default: { http: [env.node.rpcUrl] } },
    })
  const serve = async () => {
    const payTo = privateKeyToAccount(generatePrivateKey()).address
    const app = await startPaidApp({
      chains: [usdcOnAnvil(env, payTo)],
    })
    apps.push(app)
    return { app, payTo }
  }
  const pay = (url: string, journal: PaymentJournal, timeoutMs = 30_000) =>
    callPaidEndpoint(url, {}, { payers: [payer], journal, timeoutMs })

  it('throws PaymentTimeoutError for a transfer still pending, keeps it, and the next call presents it', async () => {
    const { app, payTo } = await serve()
    const journal = memoryJournal()
    const error = await pay(app.url, journal, 1_500).catch((e: unknown) => e)
    assert.ok(error instanceof PaymentTimeoutError, String(error))
    assert.equal((await journal.list())[0]?.payment.txId, error.txId)
    env.startMining()
    const response = await pay(app.url, journal)
    assert.equal(response.status, 200)
    assert.equal(paymentResponse(response.headers).transaction, error.txId)
    assert.deepEqual(await env.transfersTo(payTo), [error.txId])
  })

  it('sends the journaled bytes the node never received (TransactionNotFoundError is "missing"): one transfer', async () => {
    const { app, payTo } = await serve()
    const journal = memoryJournal()
    const payment = await signUnsent(app.url, payer, journal)
    env.startMining()
    const response = await pay(app.url, journal)
    assert.equal(response.status, 200)
    assert.equal(paymentResponse(response.headers).transaction, payment.txId)
    assert.deepEqual(await env.transfersTo(payTo), [payment.txId])
  })

  it('fails with PaymentFailedError, entry dropped, when the node refuses the signed bytes (not a network fault)', async () => {
    const { app, payTo } = await serve()
    const inner = memoryJournal()
    env.startMining()
    // Between signing and broadcast, another transaction of the payer takes the nonce.
    const takeNonce = otherViem.createWalletClient({
      account: otherPrivateKeyToAccount(env.node.accounts[4]!.privateKey),
      chain: otherChain(),
      transport: otherViem.http(env.node.rpcUrl),
    })
    const journal: PaymentJournal = {
      ...inner,
      async put(entry) {
        await inner.put(entry)
        if (entry.state !== 'signed') return
        const hash = await takeNonce.sendTransaction({ to: takeNonce.account.address, value: 0n })
        await env.publicClient.waitForTransactionReceipt({ hash })
      },
    }
    await assert.rejects(
      pay(app.url, journal),
      (e: unknown) => e instanceof PaymentFailedError && /nothing was paid/.test(e.message),
    )
    assert.deepEqual(await inner.list(), [])
    assert.deepEqual(await env.transfersTo(payTo), [])
  })
})
