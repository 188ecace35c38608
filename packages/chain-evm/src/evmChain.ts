import type { ChainPlugin } from '@tx402/core'
import type { Address } from 'viem'
import { chainTime } from './chainTime.js'
import { refuseTokenAsPayTo } from './checkPayTo.js'
import { normalizeTxId } from './normalizeTxId.js'
import { probeChainId } from './probeChainId.js'
import {
  type EvmAsset,
  type EvmChainOptions,
  type Finality,
  resolveOptions,
} from './resolveOptions.js'
import { rpcFeatureCheck } from './rpcFeatureCheck.js'
import { verifiedRpc } from './verifiedRpc.js'
import { verifyPayment } from './verifyPayment.js'
import { verifyProof } from './verifyProof.js'

/** A `ChainPlugin` for an EVM chain, with the settings it verifies by. */
export interface EvmChainPlugin extends ChainPlugin {
  readonly payTo: Address
  readonly assets: readonly EvmAsset[]
  readonly chainId: number
  readonly confirmations: number
  readonly finality: Finality
  normalizeTxId(raw: string): `0x${string}`
  verifyProof(args: { message: string; signature: string; payer: string }): Promise<boolean>
  ready(): Promise<void>
}

/**
 * A chain plugin for any EVM chain, on viem: verifies ERC-20 (and native coin) payments from
 * transaction receipts. Options are checked here, so a missing `payTo` or RPC URL, a bad address
 * or a malformed network fails at startup with `ConfigurationError`. Each RPC URL must show
 * `eth_chainId` equal to the network before anything is verified through it (asked again after a
 * failure), and every verification asks it again in its own batch, at no extra round trip: a URL
 * serving another chain, even one re-pointed after it was proven, makes verification fail with
 * 503 (never succeed, never "not found") until it is checked right again. `ready()` also asks
 * the RPC everything verification will ask with these options (the `finality` tag, receipts,
 * blocks, `eth_call`, a call tracer for native coin) and fails naming what it lacks
 * (`probeRpcFeatures`); `probe()` (health) asks again. The engine calls `ready()` before every
 * verification; call `await plugin.ready()` before listening to fail fast.
 *
 * @example
 * const chain = evmChain({
 *   name: 'optimism', network: 'eip155:10', rpcUrls: [process.env.OP_RPC!], payTo,
 *   assets: [{ standard: 'erc20', address: '0x0b2C639c533813f4Aa9D7837CAf62653d097Ff85', symbol: 'USDC', decimals: 6 }],
 *   confirmations: 2,
 * })
 */
export function evmChain(options: EvmChainOptions): EvmChainPlugin {
  const config = resolveOptions(options)
  refuseTokenAsPayTo(config.payTo, config.assets)
  const { name, network, chainId, rpcUrls, timeoutMs } = config
  const rpc = verifiedRpc({ name, chainId, rpcUrls, timeoutMs, retryCount: config.retryCount })
  // Everything verification will ask, with these options, is asked once before any payment.
  const features = rpcFeatureCheck(rpc, {
    name,
    finality: config.finality,
    internalTransfers: config.assets.some((asset) => asset.standard === 'native')
      ? config.internalTransfers
      : 'unneeded',
  })
  const ready = async (): Promise<void> => {
    await rpc.client()
    await features.ready()
  }

  return {
    name,
    network,
    payTo: config.payTo,
    assets: config.assets,
    maxAgeSeconds: config.maxAgeSeconds,
    chainId,
    confirmations: config.confirmations,
    finality: config.finality,
    // A payer proves its payment by signing the proof message (EIP-191, ERC-1271, ERC-6492).
    binding: 'proof',
    acceptsFields: (_challenge, requirement) =>
      requirement?.asset.standard === 'native' && features.topLevelOnly()
        ? { minConfirmations: config.confirmations, nativeTransfer: 'top-level' }
        : { minConfirmations: config.confirmations },
    normalizeTxId,
    ready,
    async probe() {
      await probeChainId(rpc, name, chainId)
      await features.probe()
    },
    async chainTime() {
      return chainTime(await rpc.client(), name)
    },
    async verify(context) {
      const client = await rpc.client()
      // eth_chainId in every verification's batch (no extra round trip): a receipt is only
      // believed from an RPC that shows the right chain in the same batch, so one re-pointed at
      // another chain holding a matching receipt is never believed, not even for a moment.
      return verifyPayment(client, { ...config, tracer: features.tracer() }, context, {
        askChainId: true,
        onWrongChain: () => rpc.distrust(client),
      })
    },
    async verifyProof(args) {
      return verifyProof(await rpc.client(), name, args)
    },
  }
}
