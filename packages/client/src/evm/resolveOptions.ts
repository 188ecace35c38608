import { ConfigurationError, type Network } from '@tx402/core/protocol'
import type { Account, Address, Chain, PublicClient, Transport, WalletClient } from 'viem'
import type { DeclaredAsset } from '../assets/knownAssets.js'
import { cachedNetwork } from '../cachedNetwork.js'

/** Options of `evmPayer`. */
export interface EvmPayerOptions<
  walletChain extends Chain | undefined = Chain | undefined,
  publicChain extends Chain | undefined = Chain | undefined,
> {
  /** Signs (and, for a browser wallet, sends). Its `account` pays unless `account` is given. */
  walletClient: WalletClient<Transport, walletChain, Account | undefined>
  /** Reads the chain: chain id, token metadata, nonces, receipts; sends signed bytes. */
  publicClient: PublicClient<Transport, publicChain>
  /** Default: `walletClient.account`. */
  account?: Account | Address
  /**
   * Tokens besides the built-in stablecoins to treat as known, by contract address (a test or
   * private token): `[{ address, symbol: 'USDC', decimals: 6 }]`. Default none.
   */
  assets?: readonly DeclaredAsset[]
}

/** What every step of an EVM payer works with, resolved once from `EvmPayerOptions`. */
export interface EvmPayerContext {
  walletClient: WalletClient<Transport, Chain | undefined, Account | undefined>
  publicClient: PublicClient
  /** The paying account: local (signs bytes) or JSON-RPC (a browser wallet signs and sends). */
  account: Account
  /** `eip155:<chainId>`, from the clients' chain or else asked of the RPC once. */
  getNetwork: () => Promise<Network>
}

/**
 * Checks `evmPayer`'s options once, at setup. Throws `ConfigurationError` without both clients
 * or without an account.
 *
 * @example const context = resolveOptions({ walletClient, publicClient })
 */
export function resolveOptions<
  walletChain extends Chain | undefined,
  publicChain extends Chain | undefined,
>(options: EvmPayerOptions<walletChain, publicChain>): EvmPayerContext {
  // One concrete client type inside: chain-specific formatters do not matter to a transfer.
  const walletClient = options.walletClient as unknown as EvmPayerContext['walletClient']
  const publicClient = options.publicClient as unknown as PublicClient
  if (!walletClient || !publicClient) {
    throw new ConfigurationError('evmPayer needs a walletClient and a publicClient.')
  }
  const given = options.account ?? walletClient.account
  if (!given) throw new ConfigurationError('evmPayer needs an account: set walletClient.account.')
  const account: Account = typeof given === 'string' ? { address: given, type: 'json-rpc' } : given
  const getNetwork = cachedNetwork(() => {
    const chainId = publicClient.chain?.id ?? walletClient.chain?.id
    return chainId
      ? Promise.resolve(`eip155:${chainId}` as Network)
      : publicClient.getChainId().then((id) => `eip155:${id}` as Network)
  })
  return { walletClient, publicClient, account, getNetwork }
}
