import assert from 'node:assert/strict'
import {
  type ChainPlugin,
  type ChallengeContext,
  defaultClockSkewSeconds,
  isRefusal,
  judgePayment,
  type Network,
  type VerifyResult,
  type WireAsset,
} from '@tx402/core'
import { type Address, type Hex, maxUint256 } from 'viem'
import {
  deployPayRouter,
  deploySmartWallet,
  deployTestToken,
  testTokenAbi,
  transferTestToken,
} from '../deployTestContracts.js'
import { type AnvilNode, startAnvil } from '../startAnvil.js'

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

/** What `env.callContract` sends: `writeContract`'s parameters. */
export type ContractCall = Parameters<ReturnType<AnvilNode['wallet']>['writeContract']>[0]

/** What a preset package passes to `describeEvmPayments`. */
export interface EvmPaymentsSuite {
  title: string
  chainId: number
  plugin: (options: EvmTestPluginOptions) => ChainPlugin
}

/** Blocks between anvil's `latest` and `safe` heads in this suite. */
export const slotsInAnEpoch = 4
/** The price every case pays, in the test USDC's base units (1 USDC). */
export const price = 1_000_000n

/**
 * The anvil node, contracts, accounts and helpers the cases of `describeEvmPayments` share. Its
 * fields are filled in by the mocha `before` hook `useEvmPaymentsEnv` registers: read them inside
 * `it`, never while the cases are being declared.
 */
export interface EvmPaymentsEnv {
  suite: EvmPaymentsSuite
  node: AnvilNode
  /** The plugin under test, made with `options()`. */
  plugin: ChainPlugin
  usdc: EvmTestAsset & { standard: 'erc20'; address: Address }
  /** Another token, also named USDC. */
  fake: Address
  /** Takes 1% of each transfer. */
  feeToken: Address
  /** Returns false from `transfer` without moving anything. */
  falseToken: Address
  router: Address
  /** An ERC-1271 wallet owned by account 3, holding 10 USDC. */
  smartWallet: Address
  /** Account 1: holds 100 USDC and has approved the router. */
  payer: Address
  /** Account 9. */
  payTo: Address
  eth: EvmTestAsset
  /** The test USDC's description at another contract address. */
  erc20(address: Address): EvmTestAsset
  /** The plugin options of this suite, with `extra` over them. */
  options(extra?: Partial<EvmTestPluginOptions>): EvmTestPluginOptions
  /** Waits for the transaction's receipt, whatever its status, and returns its hash. */
  mined(sent: Promise<Hex>): Promise<Hex>
  /** A contract call from dev account `from`, mined (reverted or not); its hash. */
  callContract(from: number, call: ContractCall): Promise<Hex>
  /** A mined token transfer from account `from` (default 1). */
  transfer(token: Address, to: Address, amount: bigint, from?: number): Promise<Hex>
  /** Verifies as the engine does (ready, then verify), at the chain's own current time. */
  verify(
    hash: string,
    extra?: {
      asset?: EvmTestAsset
      amount?: bigint
      maxAgeSeconds?: number
      challenge?: ChallengeContext
      with?: ChainPlugin
    },
  ): Promise<VerifyResult>
  expectInvalid(result: VerifyResult, reason: string): void
}

/**
 * Registers the mocha hooks that start anvil with `suite.chainId`, deploy the test contracts and
 * fund the accounts before the cases, and stop the node after them; returns the shared `env`.
 *
 * @example const env = useEvmPaymentsEnv(suite); it('…', async () => env.verify(hash))
 */
export function useEvmPaymentsEnv(suite: EvmPaymentsSuite): EvmPaymentsEnv {
  const env = {
    suite,
    eth: { standard: 'native', symbol: 'ETH', decimals: 18 },
    erc20: (address) => ({ ...env.usdc, address }),
    options: (extra = {}) => ({
      rpcUrls: [env.node.rpcUrl],
      payTo: env.payTo,
      assets: [env.usdc, env.eth],
      // Presets may ask for more; each outcome is checked at depth 1 unless a test says otherwise.
      confirmations: 1,
      ...extra,
    }),
    mined: async (sent) => {
      const hash = await sent
      await env.node.publicClient.waitForTransactionReceipt({ hash, pollingInterval: 20 })
      return hash
    },
    callContract: (from, call) => env.mined(env.node.wallet(from).writeContract(call)),
    transfer: (token, to, amount, from = 1) =>
      transferTestToken(env.node, token, { from, to, amount }),
    verify: async (hash, extra = {}) => {
      const chain = extra.with ?? env.plugin
      const head = await env.node.publicClient.getBlock()
      await chain.ready?.()
      const requirement = {
        asset: extra.asset ?? env.usdc,
        amount: extra.amount ?? price,
        payTo: env.payTo,
        maxAgeSeconds: extra.maxAgeSeconds ?? 900,
      }
      const { challenge } = extra
      const result = await chain.verify({ txId: chain.normalizeTxId(hash), requirement, challenge })
      if (result.status !== 'confirmed') return result
      // The plugin reports facts; the engine's judgment of them is what a payer is answered.
      const now = Number(head.timestamp) * 1000
      const judged = judgePayment(result, {
        requirement,
        challenge,
        now,
        clockSkewSeconds: defaultClockSkewSeconds,
      })
      return isRefusal(judged)
        ? { status: 'invalid', reason: judged.refuse, message: judged.message }
        : result
    },
    expectInvalid: (result, reason) => {
      assert.equal(result.status, 'invalid', JSON.stringify(result, bigintJson))
      assert.equal((result as { reason: string }).reason, reason)
    },
  } as EvmPaymentsEnv

  before(async () => {
    const node = await startAnvil({ chainId: suite.chainId, slotsInAnEpoch })
    env.node = node
    env.payer = node.accounts[1]!.address
    env.payTo = node.accounts[9]!.address
    const funded = [[env.payer, 100n * price] as const]
    env.usdc = {
      standard: 'erc20',
      address: await deployTestToken(node, { mint: funded }),
      symbol: 'USDC',
      decimals: 6,
    }
    env.fake = await deployTestToken(node, { mint: funded })
    env.feeToken = await deployTestToken(node, { kind: 'fee', mint: funded })
    env.falseToken = await deployTestToken(node, { kind: 'false', mint: funded })
    env.router = await deployPayRouter(node)
    env.smartWallet = await deploySmartWallet(node, node.accounts[3]!.address)
    await env.transfer(env.usdc.address, env.smartWallet, 10n * price)
    await env.callContract(1, {
      address: env.usdc.address,
      abi: testTokenAbi,
      functionName: 'approve',
      args: [env.router, maxUint256],
    })
    env.plugin = suite.plugin(env.options())
  })
  after(() => env.node?.stop())
  return env
}

function bigintJson(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value
}
