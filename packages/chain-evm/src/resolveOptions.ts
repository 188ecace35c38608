import type { Network, WireAsset } from '@tx402/core'
import {
  ConfigurationError,
  checkCount,
  checkRpcUrl,
  refuseEngineOptions,
  refuseUnknownOptions,
} from '@tx402/core'
import { type Address, getAddress, isAddress, zeroAddress } from 'viem'

/** An asset an EVM chain can verify: an ERC-20 contract, or the chain's native coin. */
export type EvmAsset = Extract<WireAsset, { standard: 'erc20' } | { standard: 'native' }>

/** How far a block must be behind the head before a payment in it counts. */
export type Finality = 'latest' | 'safe' | 'finalized'

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
  /** Retries of a failed RPC request (after trying every URL). Default 1. */
  retryCount?: number
  /**
   * Native coin sent by calls inside a transaction (a Safe or ERC-4337 wallet's `execute`, a
   * router: "internal transactions"). `'auto'` (default): counted when the RPC offers a call
   * tracer (`debug_traceTransaction` with callTracer, or `trace_transaction`), found by `ready()`;
   * otherwise native entries of the 402 carry `nativeTransfer: 'top-level'`, so contract wallets
   * do not pay them. `'required'`: `ready()` fails when the RPC offers no tracer. `'off'`: never
   * traced, native entries always say `top-level`. Irrelevant without a native asset.
   */
  internalTransfers?: InternalTransfers
}

/** How native coin sent by calls inside a transaction is counted (`EvmChainOptions.internalTransfers`). */
export type InternalTransfers = 'auto' | 'required' | 'off'

/** Validated, normalized options of `evmChain`. */
export interface EvmChainConfig {
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
  retryCount: number
  internalTransfers: InternalTransfers
}

// Every key of EvmChainOptions, for the unknown-option check.
const optionNames = Object.keys({
  name: true,
  network: true,
  rpcUrls: true,
  payTo: true,
  assets: true,
  confirmations: true,
  finality: true,
  maxAgeSeconds: true,
  timeoutMs: true,
  blockTimeMs: true,
  retryCount: true,
  internalTransfers: true,
} satisfies Record<keyof EvmChainOptions, true>)

/**
 * Checks and normalizes `evmChain`'s options once, at setup; anything that cannot work throws
 * `ConfigurationError` (never echoing an RPC URL, which may hold an API key).
 *
 * @example resolveOptions({ name: 'base', network: 'eip155:8453', rpcUrls, payTo, assets })
 */
export function resolveOptions(options: EvmChainOptions): EvmChainConfig {
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
    checkRpcUrl(name, `rpcUrls[${index}]`, url)
  })
  refuseEngineOptions(name, options)
  // A typo (`confirmation: 12`) would otherwise verify with the default.
  refuseUnknownOptions(options, optionNames, { owner: name })
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
  const internalTransfers = options.internalTransfers ?? 'auto'
  if (!['auto', 'required', 'off'].includes(internalTransfers)) {
    throw new ConfigurationError(`${name}: internalTransfers must be auto, required or off.`)
  }
  return {
    name,
    network: options.network,
    internalTransfers,
    chainId: Number(network[1]),
    rpcUrls,
    payTo,
    assets,
    finality,
    confirmations: checkCount(name, 'confirmations', options.confirmations, {
      fallback: 1,
      min: 1,
    }),
    maxAgeSeconds: checkCount(name, 'maxAgeSeconds', options.maxAgeSeconds, {
      fallback: 900,
      min: 0,
    }),
    timeoutMs: checkCount(name, 'timeoutMs', options.timeoutMs, { fallback: 10_000, min: 1 }),
    blockTimeMs: checkCount(name, 'blockTimeMs', options.blockTimeMs, { fallback: 2000, min: 1 }),
    retryCount: checkCount(name, 'retryCount', options.retryCount, { fallback: 1, min: 0 }),
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
