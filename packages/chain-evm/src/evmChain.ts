import { type ChainPlugin, ConfigurationError, type Network, type WireAsset } from '@tx402/core'
import { type Address, getAddress, isAddress, zeroAddress } from 'viem'
import { refuseTokenAsPayTo } from './checkPayTo.js'
import { normalizeTxId } from './normalizeTxId.js'
import { probeChainId } from './probeChainId.js'
import { verifiedRpc } from './verifiedRpc.js'
import { type Finality, verifyPayment } from './verifyPayment.js'
import { verifyProof } from './verifyProof.js'

/** An asset an EVM chain can verify: an ERC-20 contract, or the chain's native coin. */
export type EvmAsset = Extract<WireAsset, { standard: 'erc20' } | { standard: 'native' }>

/** Options of `evmChain`, validated when it is called. */
export interface EvmChainOptions {
  /** Short name for `x-payment-chain`, e.g. `base`. */
  name: string
  /** CAIP-2 id, `eip155:<chain id>`; the RPC's `eth_chainId` must match it. */
  network: Network
  /** One or more http(s) RPC URLs; later ones take over when earlier ones fail. */
  rpcUrls: readonly string[]
  /** The wallet that receives payments. */
  payTo: string
  /** What this chain accepts, looked up by symbol. */
  assets: readonly EvmAsset[]
  /** Blocks a payment needs, counting its own. Default 1. */
  confirmations?: number
  /** Also require the block at or below this head. Default `'latest'` (depth only). */
  finality?: Finality
  /** Oldest acceptable payment, in seconds; 0 turns the check off. Default 900. */
  maxAgeSeconds?: number
  /** Timeout of one RPC request, in ms. Default 10000. */
  timeoutMs?: number
  /** Typical block interval in ms, for Retry-After while a payment is pending. Default 2000. */
  blockTimeMs?: number
  /** Tolerated clock difference against the challenge's issue time, in seconds. Default 60. */
  clockSkewSeconds?: number
  /** Retries of a failed RPC request (after trying every URL). Default 1. */
  retryCount?: number
}

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
 * 503 (never succeed, never "not found") until it is checked right again. The engine calls
 * `ready()` before every verification; call `await plugin.ready()` before listening to fail fast.
 *
 * @example
 * const chain = evmChain({
 *   name: 'optimism', network: 'eip155:10', rpcUrls: [process.env.OP_RPC!], payTo,
 *   assets: [{ standard: 'erc20', address: '0x0b2C639c533813f4Aa9D7837CAf62653d097Ff85', symbol: 'USDC', decimals: 6 }],
 *   confirmations: 2,
 * })
 */
export function evmChain(options: EvmChainOptions): EvmChainPlugin {
  const settings = validate(options)
  refuseTokenAsPayTo(settings.payTo, settings.assets)
  const { name, network, chainId, rpcUrls, timeoutMs } = settings
  const rpc = verifiedRpc({ name, chainId, rpcUrls, timeoutMs, retryCount: settings.retryCount })
  const ready = async (): Promise<void> => {
    await rpc.client()
  }

  return {
    name,
    network,
    payTo: settings.payTo,
    assets: settings.assets,
    maxAgeSeconds: settings.maxAgeSeconds,
    chainId,
    confirmations: settings.confirmations,
    finality: settings.finality,
    // A payer proves its payment by signing the proof message (EIP-191, ERC-1271, ERC-6492).
    binding: 'proof',
    acceptsFields: () => ({ minConfirmations: settings.confirmations }),
    normalizeTxId,
    ready,
    probe: () => probeChainId(rpc, name, chainId),
    async verify(context) {
      const client = await rpc.client()
      return verifyPayment(client, settings, context, () => rpc.distrust(client))
    },
    async verifyProof(args) {
      return verifyProof(await rpc.client(), name, args)
    },
  }
}

interface Settings {
  name: string
  network: Network
  chainId: number
  rpcUrls: readonly string[]
  payTo: Address
  assets: readonly EvmAsset[]
  confirmations: number
  finality: Finality
  maxAgeSeconds: number
  timeoutMs: number
  blockTimeMs: number
  clockSkewSeconds: number
  retryCount: number
}

function validate(options: EvmChainOptions): Settings {
  if (!options || typeof options !== 'object') {
    throw new ConfigurationError('evmChain needs an options object.')
  }
  const { name } = options
  if (typeof name !== 'string' || !/^[a-z0-9][a-z0-9-]*$/i.test(name)) {
    throw new ConfigurationError('name must be a short chain name such as "base".')
  }
  const network = /^eip155:([1-9][0-9]{0,15})$/.exec(String(options.network))
  if (!network || !Number.isSafeInteger(Number(network[1]))) {
    throw new ConfigurationError(`${name}: network must be "eip155:<chain id>".`)
  }
  const rpcUrls = options.rpcUrls
  if (!Array.isArray(rpcUrls) || rpcUrls.length === 0) {
    throw new ConfigurationError(`${name}: an RPC URL is required (rpcUrl or rpcUrls).`)
  }
  rpcUrls.forEach((url, index) => {
    // The URL is not echoed: it often carries an API key.
    if (typeof url !== 'string' || !/^https?:$/.test(safeUrl(url)?.protocol ?? '')) {
      throw new ConfigurationError(`${name}: rpcUrls[${index}] is not an http(s) URL.`)
    }
  })
  const payTo = address(name, 'payTo', options.payTo)
  if (!Array.isArray(options.assets) || options.assets.length === 0) {
    throw new ConfigurationError(`${name}: at least one asset is required.`)
  }
  const symbols = new Set<string>()
  const assets = options.assets.map((asset, index): EvmAsset => {
    const where = `${name}: assets[${index}]`
    if (typeof asset?.symbol !== 'string' || !asset.symbol) {
      throw new ConfigurationError(`${where} needs a symbol.`)
    }
    if (symbols.has(asset.symbol.toUpperCase())) {
      throw new ConfigurationError(`${where}: the symbol ${asset.symbol} is listed twice.`)
    }
    symbols.add(asset.symbol.toUpperCase())
    if (!Number.isInteger(asset.decimals) || asset.decimals < 0 || asset.decimals > 36) {
      throw new ConfigurationError(`${where}: decimals must be an integer from 0 to 36.`)
    }
    if (asset.standard === 'native') return { ...asset }
    if (asset.standard === 'erc20') {
      return { ...asset, address: address(name, `assets[${index}].address`, asset.address) }
    }
    throw new ConfigurationError(`${where}: an EVM chain takes erc20 or native assets.`)
  })
  const finality = options.finality ?? 'latest'
  if (!['latest', 'safe', 'finalized'].includes(finality)) {
    throw new ConfigurationError(`${name}: finality must be latest, safe or finalized.`)
  }
  return {
    name,
    network: options.network,
    chainId: Number(network[1]),
    rpcUrls,
    payTo,
    assets,
    finality,
    confirmations: integer(name, 'confirmations', options.confirmations, 1, 1),
    maxAgeSeconds: integer(name, 'maxAgeSeconds', options.maxAgeSeconds, 900, 0),
    timeoutMs: integer(name, 'timeoutMs', options.timeoutMs, 10_000, 1),
    blockTimeMs: integer(name, 'blockTimeMs', options.blockTimeMs, 2000, 1),
    clockSkewSeconds: integer(name, 'clockSkewSeconds', options.clockSkewSeconds, 60, 0),
    retryCount: integer(name, 'retryCount', options.retryCount, 1, 0),
  }
}

function address(chain: string, field: string, value: unknown): Address {
  if (typeof value !== 'string' || !value) {
    throw new ConfigurationError(`${chain}: ${field} is required.`)
  }
  // Lenient on case (a lowercase address is fine), strict on a wrong EIP-55 checksum.
  if (!isAddress(value)) {
    throw new ConfigurationError(`${chain}: ${field} is not a valid EVM address.`, {
      details: 'Expected 0x and 40 hex digits, with a correct EIP-55 checksum if mixed case.',
    })
  }
  if (value.toLowerCase() === zeroAddress) {
    throw new ConfigurationError(`${chain}: ${field} cannot be the zero address.`)
  }
  return getAddress(value)
}

function integer(
  chain: string,
  field: string,
  value: number | undefined,
  fallbackValue: number,
  min: number,
): number {
  if (value === undefined) return fallbackValue
  if (!Number.isSafeInteger(value) || value < min) {
    throw new ConfigurationError(`${chain}: ${field} must be an integer of at least ${min}.`)
  }
  return value
}

function safeUrl(value: string): URL | undefined {
  try {
    return new URL(value)
  } catch {
    return undefined
  }
}
