import assert from 'node:assert/strict'
import {
  type ChainPlugin,
  type ChallengeContext,
  judgePayment,
  type Network,
  proofMessage,
  VerifierUnavailableError,
  type VerifyResult,
  type WireAsset,
} from '@tx402/core'
import { type Address, encodeFunctionData, getAddress, type Hex, maxUint256 } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import {
  deployPayRouter,
  deploySmartWallet,
  deployTestToken,
  payRouterAbi,
  smartWalletAbi,
  testTokenAbi,
  transferTestToken,
} from './deployTestContracts.js'
import { forwardJsonRpc, serveJsonRpc } from './serveJsonRpc.js'
import { type AnvilNode, startAnvil } from './startAnvil.js'

/** An asset an EVM plugin verifies. */
export type EvmTestAsset = Extract<WireAsset, { standard: 'erc20' } | { standard: 'native' }>

/** What `describeEvmPayments` passes to the plugin factory under test. */
export interface EvmTestPluginOptions {
  rpcUrls: string[]
  payTo: string
  assets: EvmTestAsset[]
  network?: Network
  confirmations?: number
  finality?: 'latest' | 'safe' | 'finalized'
  timeoutMs?: number
}

/** Blocks between anvil's `latest` and `safe` heads in this suite. */
const slotsInAnEpoch = 4
const price = 1_000_000n

/**
 * Test support: the outcome matrix of an EVM chain plugin, run against a real anvil node with
 * `chainId`, real Solidity contracts and real transactions. A preset package calls it with its
 * factory and overrides (a test token as USDC), so every preset is checked end to end.
 *
 * @example
 * describeEvmPayments({ title: 'base() on anvil', chainId: 8453, plugin: (o) => base(o) })
 */
export function describeEvmPayments(suite: {
  title: string
  chainId: number
  plugin: (options: EvmTestPluginOptions) => ChainPlugin
}): void {
  describe(suite.title, function () {
    this.timeout(60_000)
    let node: AnvilNode
    let plugin: ChainPlugin
    let usdc: EvmTestAsset & { standard: 'erc20'; address: Address }
    let fake: Address
    let feeToken: Address
    let falseToken: Address
    let router: Address
    let smartWallet: Address
    let payer: Address
    let payTo: Address
    const eth: EvmTestAsset = { standard: 'native', symbol: 'ETH', decimals: 18 }
    const erc20 = (address: Address): EvmTestAsset => ({ ...usdc, address })
    const options = (extra: Partial<EvmTestPluginOptions> = {}): EvmTestPluginOptions => ({
      rpcUrls: [node.rpcUrl],
      payTo,
      assets: [usdc, eth],
      // Presets may ask for more; each outcome is checked at depth 1 unless a test says otherwise.
      confirmations: 1,
      ...extra,
    })

    /** Waits for the transaction's receipt, whatever its status, and returns its hash. */
    const mined = async (sent: Promise<Hex>): Promise<Hex> => {
      const hash = await sent
      await node.publicClient.waitForTransactionReceipt({ hash, pollingInterval: 20 })
      return hash
    }
    const transfer = (token: Address, to: Address, amount: bigint, from = 1) =>
      transferTestToken(node, token, { from, to, amount })
    /** Verifies as the engine does (ready, then verify), at the chain's own current time. */
    const verify = async (
      hash: string,
      extra: {
        asset?: EvmTestAsset
        amount?: bigint
        maxAgeSeconds?: number
        challenge?: ChallengeContext
        with?: ChainPlugin
      } = {},
    ): Promise<VerifyResult> => {
      const chain = extra.with ?? plugin
      const head = await node.publicClient.getBlock()
      await chain.ready?.()
      const requirement = {
        asset: extra.asset ?? usdc,
        amount: extra.amount ?? price,
        payTo,
        maxAgeSeconds: extra.maxAgeSeconds ?? 900,
      }
      const { challenge } = extra
      const result = await chain.verify({ txId: chain.normalizeTxId(hash), requirement, challenge })
      if (result.status !== 'confirmed') return result
      // The plugin reports facts; the engine's judgment of them is what a payer is answered.
      const now = Number(head.timestamp) * 1000
      const judged = judgePayment(result, { requirement, challenge, now, clockSkewSeconds: 60 })
      return judged.status === 'refused' ? { ...judged, status: 'invalid' } : result
    }
    const expectInvalid = (result: VerifyResult, reason: string) => {
      assert.equal(result.status, 'invalid', JSON.stringify(result, bigintJson))
      assert.equal((result as { reason: string }).reason, reason)
    }

    before(async () => {
      node = await startAnvil({ chainId: suite.chainId, slotsInAnEpoch })
      payer = node.accounts[1]!.address
      payTo = node.accounts[9]!.address
      const funded = [[payer, 100n * price] as const]
      usdc = {
        standard: 'erc20',
        address: await deployTestToken(node, { mint: funded }),
        symbol: 'USDC',
        decimals: 6,
      }
      fake = await deployTestToken(node, { mint: funded })
      feeToken = await deployTestToken(node, { kind: 'fee', mint: funded })
      falseToken = await deployTestToken(node, { kind: 'false', mint: funded })
      router = await deployPayRouter(node)
      smartWallet = await deploySmartWallet(node, node.accounts[3]!.address)
      await transfer(usdc.address, smartWallet, 10n * price)
      await mined(
        node.wallet(1).writeContract({
          address: usdc.address,
          abi: testTokenAbi,
          functionName: 'approve',
          args: [router, maxUint256],
        }),
      )
      plugin = suite.plugin(options())
    })
    after(() => node?.stop())

    it('accepts a transfer of the asset to payTo, with the payer and block time', async () => {
      const hash = await transfer(usdc.address, payTo, price)
      const receipt = await node.publicClient.getTransactionReceipt({ hash })
      const block = await node.publicClient.getBlock({ blockNumber: receipt.blockNumber })
      const result = await verify(hash)
      assert.ok(result.status === 'confirmed', JSON.stringify(result, bigintJson))
      const { payer: from, amount, received, blockTime } = result
      assert.deepEqual(
        { from, amount, received, blockTime },
        {
          from: getAddress(payer),
          amount: price,
          received: price,
          blockTime: Number(block.timestamp),
        },
      )
    })

    it('treats an upper-case or 0x-less hash as the same payment', async () => {
      const hash = await transfer(usdc.address, payTo, price)
      const variants = [hash.toUpperCase().replace('0X', '0x'), hash.slice(2).toUpperCase()]
      for (const variant of variants) {
        assert.equal(plugin.normalizeTxId(variant), hash)
        const result = await verify(variant)
        assert.equal(result.status, 'confirmed')
      }
    })

    it('reports a larger payment with its full amount', async () => {
      const hash = await transfer(usdc.address, payTo, 3n * price)
      const result = await verify(hash)
      assert.equal(result.status === 'confirmed' && result.amount, 3n * price)
    })

    it('answers tx_failed for a reverted transfer', async () => {
      const hash = await mined(
        node.wallet(1).writeContract({
          address: usdc.address,
          abi: testTokenAbi,
          functionName: 'transfer',
          args: [payTo, 10_000n * price],
          gas: 100_000n,
        }),
      )
      const receipt = await node.publicClient.getTransactionReceipt({ hash })
      assert.equal(receipt.status, 'reverted')
      expectInvalid(await verify(hash), 'tx_failed')
    })

    it('answers wrong_asset for a same-symbol token from another contract', async () => {
      expectInvalid(await verify(await transfer(fake, payTo, price)), 'wrong_asset')
    })

    it('answers wrong_recipient when the asset went to another address', async () => {
      const hash = await transfer(usdc.address, node.accounts[8]!.address, price)
      expectInvalid(await verify(hash), 'wrong_recipient')
    })

    it('answers insufficient_amount for less than the price', async () => {
      expectInvalid(
        await verify(await transfer(usdc.address, payTo, price - 1n)),
        'insufficient_amount',
      )
    })

    it('counts what a fee-on-transfer token delivered, not what was sent', async () => {
      const hash = await transfer(feeToken, payTo, price)
      expectInvalid(await verify(hash, { asset: erc20(feeToken) }), 'insufficient_amount')
      const result = await verify(hash, { asset: erc20(feeToken), amount: price - price / 100n })
      assert.equal(result.status === 'confirmed' && result.amount, price - price / 100n)
    })

    it('does not count a token whose transfer returned false without moving anything', async () => {
      const hash = await transfer(falseToken, payTo, price)
      const receipt = await node.publicClient.getTransactionReceipt({ hash })
      assert.equal(receipt.status, 'success')
      expectInvalid(await verify(hash, { asset: erc20(falseToken) }), 'wrong_asset')
    })

    it('sums two Transfers in one transaction', async () => {
      const hash = await mined(
        node.wallet(1).writeContract({
          address: router,
          abi: payRouterAbi,
          functionName: 'paySplit',
          args: [usdc.address, payTo, 400_000n, 600_000n],
        }),
      )
      const result = await verify(hash)
      assert.equal(result.status, 'confirmed')
      assert.equal(result.status === 'confirmed' && result.amount, price)
      expectInvalid(await verify(hash, { amount: price + 1n }), 'insufficient_amount')
    })

    it('counts a transfer made inside a contract call, paid by the token sender', async () => {
      const hash = await mined(
        node.wallet(1).writeContract({
          address: router,
          abi: payRouterAbi,
          functionName: 'pay',
          args: [usdc.address, payTo, price],
        }),
      )
      const transaction = await node.publicClient.getTransaction({ hash })
      assert.equal(transaction.to, router.toLowerCase())
      const result = await verify(hash)
      assert.equal(result.status === 'confirmed' && result.payer, getAddress(payer))
    })

    it('answers tx_not_found for a hash the node does not know', async () => {
      expectInvalid(await verify(`0x${'ab'.repeat(32)}`), 'tx_not_found')
    })

    it('is pending while the transaction waits in the mempool, then accepted', async () => {
      await node.testClient.setAutomine(false)
      try {
        const hash = await node.wallet(1).writeContract({
          address: usdc.address,
          abi: testTokenAbi,
          functionName: 'transfer',
          args: [payTo, price],
        })
        const result = await verify(hash)
        assert.equal(result.status, 'pending')
        assert.ok(result.status === 'pending' && result.retryAfterMs >= 1000)
        await node.testClient.mine({ blocks: 1 })
        assert.equal((await verify(hash)).status, 'confirmed')
      } finally {
        await node.testClient.setAutomine(true)
      }
    })

    it('is pending until enough blocks are mined', async () => {
      const strict = suite.plugin(options({ confirmations: 3 }))
      const hash = await transfer(usdc.address, payTo, price)
      assert.equal((await verify(hash, { with: strict })).status, 'pending')
      await node.testClient.mine({ blocks: 1 })
      assert.equal((await verify(hash, { with: strict })).status, 'pending')
      await node.testClient.mine({ blocks: 1 })
      assert.equal((await verify(hash, { with: strict })).status, 'confirmed')
    })

    it('with finality safe, is pending until the block is at or below the safe head', async () => {
      const safe = suite.plugin(options({ finality: 'safe' }))
      const hash = await transfer(usdc.address, payTo, price)
      assert.equal((await verify(hash, { with: safe })).status, 'pending')
      await node.testClient.mine({ blocks: slotsInAnEpoch - 1 })
      assert.equal((await verify(hash, { with: safe })).status, 'pending')
      await node.testClient.mine({ blocks: 1 })
      assert.equal((await verify(hash, { with: safe })).status, 'confirmed')
    })

    it('answers tx_too_old once the block is older than maxAgeSeconds', async () => {
      const hash = await transfer(usdc.address, payTo, price)
      await node.testClient.increaseTime({ seconds: 901 })
      await node.testClient.mine({ blocks: 1 })
      expectInvalid(await verify(hash), 'tx_too_old')
      assert.equal((await verify(hash, { maxAgeSeconds: 0 })).status, 'confirmed')
    })

    it('answers tx_too_old for a payment made before the challenge was issued', async () => {
      const hash = await transfer(usdc.address, payTo, price)
      const result = await verify(hash)
      assert.equal(result.status, 'confirmed')
      const blockTime = (result as { blockTime: number }).blockTime
      const challenge = (issuedAt: number) => ({
        id: 'c1.x.y',
        issuedAt,
        reference: new Uint8Array(32),
      })
      expectInvalid(await verify(hash, { challenge: challenge(blockTime + 600) }), 'tx_too_old')
      // Within the clock skew: a payer whose clock runs a little ahead is still served.
      assert.equal(
        (await verify(hash, { challenge: challenge(blockTime + 5) })).status,
        'confirmed',
      )
    })

    it('accepts native coin paid in full to payTo', async () => {
      const hash = await mined(node.wallet(2).sendTransaction({ to: payTo, value: 10n ** 15n }))
      const result = await verify(hash, { asset: eth, amount: 10n ** 15n })
      assert.equal(result.status, 'confirmed')
      assert.equal(result.status === 'confirmed' && result.payer, node.accounts[2]!.address)
      assert.equal(result.status === 'confirmed' && result.amount, 10n ** 15n)
    })

    it('answers insufficient_amount or wrong_recipient for native coin that falls short', async () => {
      const under = await mined(
        node.wallet(2).sendTransaction({ to: payTo, value: 10n ** 15n - 1n }),
      )
      expectInvalid(await verify(under, { asset: eth, amount: 10n ** 15n }), 'insufficient_amount')
      const elsewhere = await mined(
        node.wallet(2).sendTransaction({ to: node.accounts[8]!.address, value: 10n ** 15n }),
      )
      expectInvalid(await verify(elsewhere, { asset: eth, amount: 10n ** 15n }), 'wrong_recipient')
      const token = await transfer(usdc.address, payTo, price)
      expectInvalid(await verify(token, { asset: eth, amount: 1n }), 'wrong_asset')
    })

    it('checks an EOA payer proof and refuses anyone else', async () => {
      const hash = await transfer(usdc.address, payTo, price)
      const message = proofMessage({ network: plugin.network, txId: hash })
      const signer = privateKeyToAccount(node.accounts[1]!.privateKey)
      const other = privateKeyToAccount(node.accounts[2]!.privateKey)
      const check = (signature: string, forPayer: string = payer) =>
        plugin.verifyProof!({ message, signature, payer: forPayer })
      assert.equal(await check(await signer.signMessage({ message })), true)
      assert.equal(await check(await other.signMessage({ message })), false)
      assert.equal(await check(await signer.signMessage({ message: `${message}x` })), false)
      assert.equal(await check('0x1234'), false)
      assert.equal(await check('not hex'), false)
      assert.equal(await check(await signer.signMessage({ message }), 'nonsense'), false)
    })

    it('accepts a smart wallet payment and its ERC-1271 proof', async () => {
      const hash = await mined(
        node.wallet(3).writeContract({
          address: smartWallet,
          abi: smartWalletAbi,
          functionName: 'execute',
          args: [
            usdc.address,
            0n,
            encodeFunctionData({
              abi: testTokenAbi,
              functionName: 'transfer',
              args: [payTo, price],
            }),
          ],
        }),
      )
      const result = await verify(hash)
      assert.equal(result.status === 'confirmed' && result.payer, smartWallet)
      const message = proofMessage({ network: plugin.network, txId: hash, challengeId: 'c1.a.b' })
      const owner = privateKeyToAccount(node.accounts[3]!.privateKey)
      const stranger = privateKeyToAccount(node.accounts[4]!.privateKey)
      const proof = (signature: Hex) =>
        plugin.verifyProof!({ message, signature, payer: smartWallet })
      assert.equal(await proof(await owner.signMessage({ message })), true)
      assert.equal(await proof(await stranger.signMessage({ message })), false)

      // A contract that is no wallet (no isValidSignature: the call reverts) refuses the proof.
      const signed = await owner.signMessage({ message })
      assert.equal(
        await plugin.verifyProof!({ message, signature: signed, payer: usdc.address }),
        false,
      )

      // An RPC that fails the wallet's check is an outage (503), never proof_invalid.
      const failing = await serveJsonRpc(
        forwardJsonRpc(node.rpcUrl, { refuse: (method) => method === 'eth_call' }),
      )
      try {
        const behindFailingRpc = suite.plugin(options({ rpcUrls: [failing.url] }))
        await assert.rejects(
          behindFailingRpc.verifyProof!({
            message,
            signature: await owner.signMessage({ message }),
            payer: smartWallet,
          }),
          VerifierUnavailableError,
        )
      } finally {
        await failing.close()
      }
    })

    it('refuses an RPC that serves another chain id', async () => {
      const hash = await transfer(usdc.address, payTo, price)
      const wrong = suite.plugin(options({ network: `eip155:${suite.chainId + 1}` }))
      await assert.rejects(wrong.ready!(), VerifierUnavailableError)
      await assert.rejects(verify(hash, { with: wrong }), VerifierUnavailableError)
      // The same node under its own network id verifies the same payment.
      assert.equal((await verify(hash)).status, 'confirmed')
    })

    it('is unavailable, never invalid, once the node is stopped', async () => {
      const hash = await transfer(usdc.address, payTo, price)
      const head = await node.publicClient.getBlock()
      await node.stop()
      const context = {
        txId: hash,
        requirement: { asset: usdc, amount: price, payTo, maxAgeSeconds: 900 },
        now: Number(head.timestamp) * 1000,
      }
      await assert.rejects(plugin.verify(context), VerifierUnavailableError)
      const fresh = suite.plugin(options())
      await assert.rejects(fresh.ready!(), VerifierUnavailableError)
      await assert.rejects(fresh.verify(context), (error: Error) => {
        assert.ok(error instanceof VerifierUnavailableError)
        assert.ok(!error.message.includes(node.rpcUrl), 'the RPC URL stays out of the message')
        return true
      })
    })
  })
}

function bigintJson(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value
}
