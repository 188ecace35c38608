import type { Connection, PublicKey, Transaction } from '@solana/web3.js'
import { ConfigurationError, type Network } from '@tx402/core/protocol'
import type { DeclaredAsset } from '../assets/knownAssets.js'
import { cachedNetwork } from '../cachedNetwork.js'

/** A wallet-adapter style signer: what browser wallets (Phantom, Solflare, …) expose. */
export interface SolanaWalletSigner {
  publicKey: PublicKey
  signTransaction<T extends Transaction>(transaction: T): Promise<T>
  /** Needed only when a server asks for `x-payment-proof`. */
  signMessage?(message: Uint8Array): Promise<Uint8Array>
}

/** A `Keypair` (agents, scripts) or a wallet adapter (browsers). */
export type SolanaSigner = { publicKey: PublicKey; secretKey: Uint8Array } | SolanaWalletSigner

/** Options of `solanaPayer`. */
export interface SolanaPayerOptions {
  connection: Connection
  signer: SolanaSigner
  /** CAIP-2 id. Default: `solana:` + the first 32 characters of the RPC's genesis hash. */
  network?: Network
  /** How often the signature status is polled while confirming, in ms. Default 500. */
  pollIntervalMs?: number
  /**
   * Mints besides the built-in stablecoins to treat as known, by mint address (a test or private
   * token): `[{ address: mint, symbol: 'USDC', decimals: 6 }]`. Default none.
   */
  assets?: readonly DeclaredAsset[]
}

/** What every step of a Solana payer works with, resolved once from `SolanaPayerOptions`. */
export interface SolanaPayerContext {
  connection: Connection
  signer: SolanaSigner
  /** The signer's public key: fee payer and owner of the paying token account. */
  owner: PublicKey
  /** In ms. */
  pollIntervalMs: number
  /** `options.network`, or else `solana:` + the genesis hash's first 32 characters, asked once. */
  getNetwork: () => Promise<Network>
}

/**
 * Checks `solanaPayer`'s options once, at setup, and fills in the defaults. Throws
 * `ConfigurationError` without a connection or a signer with a `publicKey`.
 *
 * @example const context = resolveOptions({ connection, signer: keypair })
 */
export function resolveOptions(options: SolanaPayerOptions): SolanaPayerContext {
  const { connection, signer } = options
  if (!connection || !signer?.publicKey) {
    throw new ConfigurationError('solanaPayer needs a connection and a signer with a publicKey.')
  }
  const getNetwork = cachedNetwork(() =>
    options.network
      ? Promise.resolve(options.network)
      : connection.getGenesisHash().then((hash) => `solana:${hash.slice(0, 32)}` as Network),
  )
  return {
    connection,
    signer,
    owner: signer.publicKey,
    pollIntervalMs: options.pollIntervalMs ?? 500,
    getNetwork,
  }
}
