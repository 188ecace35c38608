import assert from 'node:assert/strict'
import type { AddressInfo } from 'node:net'
import Router from '@koa/router'
import {
  memoryLedger,
  type PaymentEngineOptions,
  type PaymentRequiredBody,
  proofMessage,
} from '@tx402/core'
import { paymentRequired } from '@tx402/koa'
import {
  type AnvilNode,
  batchPayAbi,
  deployBatchPay,
  deploySmartWalletFactory,
  deployTestToken,
  mintTestToken,
  smartWalletFactoryAbi,
  startAnvil,
  testTokenAbi,
  transferTestToken,
} from '@tx402/testing/evm'
import Koa from 'koa'
import {
  type Address,
  encodeFunctionData,
  type Hex,
  keccak256,
  maxUint256,
  serializeErc6492Signature,
  toHex,
} from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { type EvmChainPlugin, evmChain } from './evmChain.js'

const secret = 'payment-identity-secret-at-least-32-bytes'
const silent = { info() {}, warn() {}, error() {} }
const price = 10_000n // 0.01 USDC

/**
 * A payment is one payer's transfer to one payee, bound to that payer (issue 13), on anvil: the
 * observer of a transaction, batches with two payers, two offers on one network, ERC-6492 proofs.
 */
describe('a payment belongs to the one who paid, on anvil', function () {
  this.timeout(90_000)
  let node: AnvilNode
  let token: Address
  let payTo: Address
  let usdcChain: EvmChainPlugin
  let servers: ReturnType<Koa['listen']>[] = []
  let base: string

  const account = (index: number) => privateKeyToAccount(node.accounts[index]!.privateKey)
  const mined = async (sent: Promise<Hex>): Promise<Hex> => {
    const hash = await sent
    const receipt = await node.publicClient.waitForTransactionReceipt({ hash, pollingInterval: 20 })
    assert.equal(receipt.status, 'success')
    return hash
  }
  const payToken = (from: number, to: Address = payTo, amount = price) =>
    transferTestToken(node, token, { from, to, amount })
  const usdcOn = (name: string, extra: { payTo?: Address } = {}) =>
    evmChain({
      name,
      network: 'eip155:8453',
      rpcUrls: [node.rpcUrl],
      payTo: extra.payTo ?? payTo,
      assets: [{ standard: 'erc20', address: token, symbol: 'USDC', decimals: 6 }],
    })

  /** A Koa app with one paid route per entry, answering who paid how much; returns its origin. */
  const serve = async (routes: Record<string, Partial<PaymentEngineOptions>>) => {
    const router = new Router()
    for (const [path, options] of Object.entries(routes)) {
      router.get(
        path,
        paymentRequired({
          price: '0.01',
          chains: [usdcChain],
          ledger: memoryLedger(),
          secret,
          logger: silent,
          // Re-delivery off: every replay, even the payer's own, is refused.
          redeliveryWindowSeconds: 0,
          ...options,
        }),
        (ctx) => {
          const payment = ctx.state.payment!
          ctx.body = {
            payer: payment.payer,
            amount: payment.amount.toString(),
            asset: payment.asset.standard,
          }
        },
      )
    }
    const app = new Koa()
    app.silent = true
    app.use(router.routes())
    const server = app.listen(0, '127.0.0.1')
    servers.push(server)
    await new Promise((resolve) => server.once('listening', resolve))
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  }
  const challengeOf = async (url: string): Promise<PaymentRequiredBody> => {
    const response = await fetch(url)
    assert.equal(response.status, 402)
    return (await response.json()) as PaymentRequiredBody
  }
  const present = async (url: string, headers: Record<string, string>) => {
    const response = await fetch(url, { headers })
    const body = (await response.json()) as Record<string, string>
    return { status: response.status, error: body.error, body }
  }
  const proofBy = (index: number, txId: Hex, challengeId?: string) =>
    account(index).signMessage({
      message: proofMessage({ network: 'eip155:8453', txId, challengeId }),
    })

  before(async () => {
    node = await startAnvil({ chainId: 8453 })
    payTo = node.accounts[9]!.address
    token = await deployTestToken(node, {
      mint: [1, 2, 3, 4].map((i) => [node.accounts[i]!.address, 1_000_000_000n] as const),
    })
    usdcChain = usdcOn('base')
    base = await serve({
      '/bound': {},
      '/unbound': { binding: 'none' },
    })
  })

  after(async () => {
    for (const server of servers) await new Promise((resolve) => server.close(resolve))
    servers = []
    await node?.stop()
  })

  it('refuses a third party presenting a payer’s transaction under the defaults, and serves the payer once', async () => {
    const url = `${base}/bound`
    const challenge = await challengeOf(url)
    assert.equal(challenge.accepts[0]!.proofRequired, true)
    const hash = await payToken(1)
    // The observer saw the hash on chain; it has neither the payer's key nor its challenge.
    const observed = await present(url, { 'x-payment-tx': hash, 'x-payment-chain': 'base' })
    assert.equal(observed.status, 402)
    assert.equal(observed.error, 'proof_invalid')
    const forged = await present(url, {
      'x-payment-tx': hash,
      'x-payment-chain': 'base',
      'x-payment-proof': await proofBy(5, hash),
    })
    assert.equal(forged.error, 'proof_invalid')

    const headers = {
      'x-payment-tx': hash,
      'x-payment-chain': 'base',
      'x-payment-challenge': challenge.challenge.id,
      'x-payment-proof': await proofBy(1, hash, challenge.challenge.id),
    }
    const paid = await present(url, headers)
    assert.equal(paid.status, 200)
    assert.equal(paid.body.payer, node.accounts[1]!.address)
    assert.equal((await present(url, headers)).error, 'tx_already_used')
  })

  it("restores today's unbound behaviour with binding: 'none' (the observer is served)", async () => {
    const url = `${base}/unbound`
    assert.equal((await challengeOf(url)).accepts[0]!.proofRequired, undefined)
    const hash = await payToken(1)
    const observed = await present(url, { 'x-payment-tx': hash, 'x-payment-chain': 'base' })
    assert.equal(observed.status, 200)
    const payer = await present(url, {
      'x-payment-tx': hash,
      'x-payment-chain': 'base',
      'x-payment-proof': await proofBy(1, hash),
    })
    assert.equal(payer.error, 'tx_already_used')
  })

  it('makes two payers of one batch transaction two payments, each served once to its payer', async () => {
    const batch = await deployBatchPay(node)
    for (const index of [1, 2]) {
      await mined(
        node.wallet(index).writeContract({
          address: token,
          abi: testTokenAbi,
          functionName: 'approve',
          args: [batch, maxUint256],
        }),
      )
    }
    const [first, second] = [node.accounts[1]!.address, node.accounts[2]!.address]
    const hash = await mined(
      node.wallet(0).writeContract({
        address: batch,
        abi: batchPayAbi,
        functionName: 'payFromTwo',
        args: [token, payTo, first, price, second, price + 5_000n],
      }),
    )
    const headers = { 'x-payment-tx': hash, 'x-payment-chain': 'base' }

    // Without a proof nobody can tell whose payment it is.
    const unbound = await present(`${base}/unbound`, headers)
    assert.equal(unbound.status, 402)
    assert.equal(unbound.error, 'ambiguous_payer')
    assert.match(unbound.body.message!, /x-payment-proof/)

    const url = `${base}/bound`
    const secondPaid = await present(url, {
      ...headers,
      'x-payment-proof': await proofBy(2, hash),
    })
    assert.equal(secondPaid.status, 200)
    assert.deepEqual(secondPaid.body, { payer: second, amount: '15000', asset: 'erc20' })
    const firstPaid = await present(url, { ...headers, 'x-payment-proof': await proofBy(1, hash) })
    assert.equal(firstPaid.status, 200)
    assert.deepEqual(firstPaid.body, { payer: first, amount: '10000', asset: 'erc20' })
    for (const index of [1, 2]) {
      const replay = await present(url, {
        ...headers,
        'x-payment-proof': await proofBy(index, hash),
      })
      assert.equal(replay.error, 'tx_already_used')
    }
    // Someone who sent nothing in that transaction cannot claim a part of it.
    const stranger = await present(url, { ...headers, 'x-payment-proof': await proofBy(4, hash) })
    assert.equal(stranger.error, 'proof_invalid')
  })

  it('verifies each of two offers on one network with its own plugin, and refuses the bare network', async () => {
    const eth = evmChain({
      name: 'base-eth',
      network: 'eip155:8453',
      rpcUrls: [node.rpcUrl],
      payTo,
      assets: [{ standard: 'native', symbol: 'ETH', decimals: 18 }],
    })
    const origin = await serve({
      '/two': {
        chains: [usdcOn('base-usdc'), eth],
        amounts: { 'base-eth': { asset: 'ETH', amount: 10n ** 12n } },
      },
    })
    const url = `${origin}/two`
    const offers = (await challengeOf(url)).accepts.map((o) => [o.chain, o.network])
    assert.deepEqual(offers, [
      ['base-usdc', 'eip155:8453'],
      ['base-eth', 'eip155:8453'],
    ])
    const usdcHash = await payToken(3)
    const ethHash = await mined(node.wallet(3).sendTransaction({ to: payTo, value: 10n ** 12n }))

    const byNetwork = await present(url, {
      'x-payment-tx': usdcHash,
      'x-payment-chain': 'eip155:8453',
      'x-payment-proof': await proofBy(3, usdcHash),
    })
    assert.equal(byNetwork.status, 400)
    assert.equal(byNetwork.error, 'invalid_payment_headers')
    assert.match(byNetwork.body.message!, /base-usdc.*base-eth/)

    const usdcPaid = await present(url, {
      'x-payment-tx': usdcHash,
      'x-payment-chain': 'base-usdc',
      'x-payment-proof': await proofBy(3, usdcHash),
    })
    assert.equal(usdcPaid.status, 200)
    assert.equal(usdcPaid.body.asset, 'erc20')
    const ethPaid = await present(url, {
      'x-payment-tx': ethHash,
      'x-payment-chain': 'base-eth',
      'x-payment-proof': await proofBy(3, ethHash),
    })
    assert.equal(ethPaid.status, 200)
    assert.deepEqual(ethPaid.body, {
      payer: node.accounts[3]!.address,
      amount: (10n ** 12n).toString(),
      asset: 'native',
    })
  })

  it('accepts an ERC-6492 proof of a counterfactual smart wallet, longer than 512 bytes', async () => {
    const factory = await deploySmartWalletFactory(node)
    const owner = account(6)
    const salt = keccak256(toHex('tx402 counterfactual wallet'))
    const wallet = await node.publicClient.readContract({
      address: factory,
      abi: smartWalletFactoryAbi,
      functionName: 'walletAddress',
      args: [owner.address, salt],
    })
    await mintTestToken(node, token, wallet, 1_000_000n)
    const factoryData = encodeFunctionData({
      abi: smartWalletFactoryAbi,
      functionName: 'createWallet',
      args: [owner.address, salt],
    })
    const wrapped = async (signer: typeof owner, message: string) =>
      serializeErc6492Signature({
        address: factory,
        data: factoryData,
        signature: await signer.signMessage({ message }),
      })

    // Not deployed yet: the wallet proves itself through its factory call, simulated only.
    const message = proofMessage({ network: 'eip155:8453', txId: `0x${'ab'.repeat(32)}` })
    assert.equal(await node.publicClient.getCode({ address: wallet }), undefined)
    assert.equal(
      await usdcChain.verifyProof({
        message,
        signature: await wrapped(owner, message),
        payer: wallet,
      }),
      true,
    )
    assert.equal(
      await usdcChain.verifyProof({
        message,
        signature: await wrapped(account(7), message),
        payer: wallet,
      }),
      false,
    )
    assert.equal(await node.publicClient.getCode({ address: wallet }), undefined, 'never sent')

    // The wallet is deployed by the payment itself (an ERC-4337 account's first operation), and
    // its SDK still wraps the proof.
    const url = `${base}/bound`
    const challenge = await challengeOf(url)
    const hash = await mined(
      node.wallet(6).writeContract({
        address: factory,
        abi: smartWalletFactoryAbi,
        functionName: 'createAndExecute',
        args: [
          salt,
          token,
          0n,
          encodeFunctionData({ abi: testTokenAbi, functionName: 'transfer', args: [payTo, price] }),
        ],
      }),
    )
    const proof = await wrapped(
      owner,
      proofMessage({ network: 'eip155:8453', txId: hash, challengeId: challenge.challenge.id }),
    )
    assert.ok(proof.length > 512, `an ERC-6492 proof is ${proof.length} bytes`)
    const paid = await present(url, {
      'x-payment-tx': hash,
      'x-payment-chain': 'base',
      'x-payment-challenge': challenge.challenge.id,
      'x-payment-proof': proof,
    })
    assert.equal(paid.status, 200, JSON.stringify(paid.body))
    assert.equal(paid.body.payer, wallet)
  })

  it('serves a payment made against a challenge whose price has since been raised', async () => {
    const ledger = memoryLedger()
    // Two versions of one API behind one origin (here two ports, so the realm is named).
    const realm = 'https://api.example.com/priced'
    const before = await serve({ '/priced': { ledger, realm } })
    const after = await serve({ '/priced': { ledger, realm, price: '0.02' } })
    const challenge = await challengeOf(`${before}/priced`)
    assert.equal(challenge.accepts[0]!.amount, '10000')
    const hash = await payToken(4)
    const headers = {
      'x-payment-tx': hash,
      'x-payment-chain': 'base',
      'x-payment-proof': await proofBy(4, hash, challenge.challenge.id),
    }
    const paid = await present(`${after}/priced`, {
      ...headers,
      'x-payment-challenge': challenge.challenge.id,
    })
    assert.equal(paid.status, 200, JSON.stringify(paid.body))
    assert.equal(paid.body.amount, '10000')
    // Without the challenge it answered, the payment is judged by today's price.
    const another = await payToken(4)
    const unanswered = await present(`${after}/priced`, {
      'x-payment-tx': another,
      'x-payment-chain': 'base',
      'x-payment-proof': await proofBy(4, another),
    })
    assert.equal(unanswered.error, 'insufficient_amount')
  })

  it('serves a payment against a challenge signed with the previous secret after a rotation', async () => {
    const next = 'the-next-secret-of-this-api-at-least-32-bytes'
    const ledger = memoryLedger()
    const before = await serve({ '/rotated': { ledger } })
    const rotated = await serve({ '/rotated': { ledger, secret: [next, secret] } })
    const dropped = await serve({ '/rotated': { ledger, secret: next } })
    const challenge = await challengeOf(`${before}/rotated`)
    const hash = await payToken(4)
    const headers = {
      'x-payment-tx': hash,
      'x-payment-chain': 'base',
      'x-payment-challenge': challenge.challenge.id,
      'x-payment-proof': await proofBy(4, hash, challenge.challenge.id),
    }
    assert.equal((await present(`${dropped}/rotated`, headers)).error, 'challenge_invalid')
    const paid = await present(`${rotated}/rotated`, headers)
    assert.equal(paid.status, 200, JSON.stringify(paid.body))
    // New challenges are signed with the first secret.
    const fresh = await challengeOf(`${rotated}/rotated`)
    const again = await payToken(4)
    const served = await present(`${dropped}/rotated`, {
      'x-payment-tx': again,
      'x-payment-chain': 'base',
      'x-payment-challenge': fresh.challenge.id,
      'x-payment-proof': await proofBy(4, again, fresh.challenge.id),
    })
    assert.equal(served.status, 200, JSON.stringify(served.body))
  })
})
