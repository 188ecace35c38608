import { PublicKey } from '@solana/web3.js'
import {
  ConfigurationError,
  checkCount,
  checkRpcUrl,
  type Network,
  refuseEngineOptions,
  refuseUnknownOptions,
  type WireAsset,
} from '@tx402/core'
import { type SolanaAssetConfig, solanaNetworks, tokenProgramIds } from './networks.js'

/** Options of `solana(…)` and `solanaDevnet(…)`. */
export interface SolanaOptions {
  /** HTTP(S) JSON-RPC endpoint. Its genesis hash must match `network`. */
  rpcUrl: string
  /** Owner public key of the receiving wallet (tokens land in token accounts it owns). */
  payTo: string
  /** CAIP-2 id, `solana:` + the first 32 characters of the genesis hash. Default: the factory's cluster. */
  network?: Network
  /** Chain name in `x-payment-chain`. Default `solana` / `solana-devnet`, `solana-local` for another network. */
  name?: string
  /** Commitment a payment must reach. Default `'confirmed'`. */
  commitment?: 'confirmed' | 'finalized'
  /** Accepted assets. Default on mainnet and devnet: USDC and SOL; required for another network. */
  assets?: readonly SolanaAssetConfig[]
  /** Oldest acceptable block time, in seconds; 0 turns the check off. Default 900. */
  maxAgeSeconds?: number
  /** Timeout of one RPC request, in milliseconds. Default 10000. */
  timeoutMs?: number
}

/** Validated, normalized options. */
export interface SolanaConfig {
  name: string
  network: Network
  rpcUrl: string
  payTo: string
  commitment: 'confirmed' | 'finalized'
  assets: WireAsset[]
  /** Token program id of each configured mint. */
  tokenPrograms: Record<string, string>
  maxAgeSeconds: number
  timeoutMs: number
}

const caip2 = /^solana:[1-9A-HJ-NP-Za-km-z]{32}$/

// Every key of SolanaOptions, for the unknown-option check (a typo would keep the default).
const optionNames = Object.keys({
  rpcUrl: true,
  payTo: true,
  network: true,
  name: true,
  commitment: true,
  assets: true,
  maxAgeSeconds: true,
  timeoutMs: true,
} satisfies Record<keyof SolanaOptions, true>)

/**
 * Checks and normalizes options once, at setup; anything that cannot work throws
 * `ConfigurationError` (never echoing the RPC URL, which may hold an API key).
 *
 * @example resolveOptions({ rpcUrl, payTo }, solanaNetworkIds.mainnet)
 */
export function resolveOptions(options: SolanaOptions, defaultNetwork: Network): SolanaConfig {
  if (!options || typeof options !== 'object')
    throw new ConfigurationError('Solana options are required.')
  const network = options.network ?? defaultNetwork
  if (typeof network !== 'string' || !caip2.test(network)) {
    throw new ConfigurationError(
      `Solana network must be "solana:" and the first 32 characters of the genesis hash, got "${String(network).slice(0, 60)}".`,
    )
  }
  const known = solanaNetworks[network]
  const name = options.name ?? known?.name ?? 'solana-local'
  if (typeof name !== 'string' || !/^[a-z0-9][a-z0-9-]*$/.test(name)) {
    throw new ConfigurationError('Solana chain name must be lowercase letters, digits and dashes.')
  }
  const rpcUrl = checkRpcUrl(name, 'rpcUrl', options.rpcUrl)
  refuseEngineOptions(name, options)
  refuseUnknownOptions(options, optionNames, { owner: name })
  const payTo = checkPublicKey(options.payTo, 'payTo')
  const commitment = options.commitment ?? 'confirmed'
  if (commitment !== 'confirmed' && commitment !== 'finalized') {
    throw new ConfigurationError('Solana commitment must be "confirmed" or "finalized".')
  }
  const configured = options.assets ?? known?.assets
  if (!configured?.length) {
    throw new ConfigurationError(
      `Solana network ${network} has no default assets: configure assets.`,
    )
  }
  const assets: WireAsset[] = []
  const tokenPrograms: Record<string, string> = {}
  const symbols = new Set<string>()
  for (const asset of configured) {
    const symbol = asset?.symbol
    if (typeof symbol !== 'string' || !symbol || symbols.has(symbol.toUpperCase())) {
      throw new ConfigurationError(`Solana assets need unique symbols (got "${String(symbol)}").`)
    }
    symbols.add(symbol.toUpperCase())
    if (asset.standard === 'native') {
      if (asset.symbol !== 'SOL' || asset.decimals !== 9) {
        throw new ConfigurationError(
          'Native SOL is { standard: "native", symbol: "SOL", decimals: 9 }.',
        )
      }
      assets.push({ standard: 'native', symbol: 'SOL', decimals: 9 })
    } else if (asset.standard === 'spl') {
      const mint = checkPublicKey(asset.mint, `${symbol} mint`)
      if (!Number.isInteger(asset.decimals) || asset.decimals < 0 || asset.decimals > 255) {
        throw new ConfigurationError(`${symbol}: decimals must be an integer from 0 to 255.`)
      }
      const program = tokenProgramIds[asset.tokenProgram ?? 'token']
      if (!program) {
        throw new ConfigurationError(`${symbol}: tokenProgram must be "token" or "token-2022".`)
      }
      assets.push({ standard: 'spl', mint, symbol, decimals: asset.decimals })
      tokenPrograms[mint] = program
    } else {
      throw new ConfigurationError(`${symbol}: a Solana asset is "spl" or "native".`)
    }
  }
  return {
    name,
    network,
    rpcUrl,
    payTo,
    commitment,
    assets,
    tokenPrograms,
    maxAgeSeconds: checkCount(name, 'maxAgeSeconds', options.maxAgeSeconds, {
      fallback: 900,
      min: 0,
    }),
    timeoutMs: checkCount(name, 'timeoutMs', options.timeoutMs, { fallback: 10_000, min: 1 }),
  }
}

function checkPublicKey(value: unknown, what: string): string {
  try {
    if (typeof value !== 'string') throw new Error('not a string')
    // PublicKey accepts any 32-byte base58; owners may be off-curve (a PDA can own tokens).
    const key = new PublicKey(value)
    if (key.toBase58() !== value) throw new Error('not canonical')
    return value
  } catch {
    throw new ConfigurationError(`Solana ${what} must be a base58 public key.`)
  }
}
