import { Connection, Keypair, type PublicKey } from '@solana/web3.js'
import type { PaymentRequirement, WireAsset } from '@tx402/core'
import { type SolanaRpc, type SolanaRpcOptions, startSolanaRpc } from '@tx402/testing/solana'
import type { SolanaOptions } from '../resolveOptions.js'
import { type SolanaPlugin, solana } from '../solana.js'

/** A local chain for this package's tests: litesvm over loopback JSON-RPC, mints and a funded payer. */
export interface LocalChain {
  rpc: SolanaRpc
  /** A client connection, as a payer's wallet has. */
  connection: Connection
  /** Holds 1000 of each token and 10 SOL. */
  payer: Keypair
  /** The receiving owner configured in `plugin()`. */
  payTo: PublicKey
  /** SPL Token mint, 6 decimals, offered as USDC. */
  usdc: PublicKey
  /** Another SPL Token mint, 6 decimals, not accepted. */
  other: PublicKey
  /** Token-2022 mint with a 1% transfer fee, offered as FEE. */
  feeToken: PublicKey
  assets: { usdc: WireAsset; feeToken: WireAsset; sol: WireAsset }
  /** A plugin for this chain (its network, USDC, FEE and SOL), with overrides. */
  plugin(overrides?: Partial<SolanaOptions>): SolanaPlugin
  /** What a route asks: `amount` of `asset` to `payTo`, no age check unless given. */
  requirement(asset: WireAsset, amount: bigint, maxAgeSeconds?: number): PaymentRequirement
  stop(): Promise<void>
}

/**
 * Starts a local chain with a USDC-like mint, another mint and a Token-2022 mint with a 1%
 * transfer fee; the payer holds all three. Test support.
 *
 * @example const chain = await startLocalChain(); after(() => chain.stop())
 */
export async function startLocalChain(options: SolanaRpcOptions = {}): Promise<LocalChain> {
  const rpc = await startSolanaRpc(options)
  const payer = Keypair.generate()
  const payTo = Keypair.generate().publicKey
  rpc.fund(payer.publicKey, 10_000_000_000n)
  const usdc = rpc.createMint({ decimals: 6 })
  const other = rpc.createMint({ decimals: 6 })
  const feeToken = rpc.createMint({
    decimals: 6,
    tokenProgram: 'token-2022',
    transferFee: { basisPoints: 100, maximumFee: 1_000_000_000n },
  })
  for (const mint of [usdc, other, feeToken]) {
    rpc.mintTo({ mint, owner: payer.publicKey, amount: 1_000_000_000n })
  }
  const assets = {
    usdc: { standard: 'spl', mint: usdc.toBase58(), symbol: 'USDC', decimals: 6 },
    feeToken: { standard: 'spl', mint: feeToken.toBase58(), symbol: 'FEE', decimals: 6 },
    sol: { standard: 'native', symbol: 'SOL', decimals: 9 },
  } as const
  return {
    rpc,
    connection: new Connection(rpc.rpcUrl, 'confirmed'),
    payer,
    payTo,
    usdc,
    other,
    feeToken,
    assets,
    plugin(overrides = {}) {
      return solana({
        rpcUrl: rpc.rpcUrl,
        network: rpc.network,
        payTo: payTo.toBase58(),
        assets: [assets.usdc, { ...assets.feeToken, tokenProgram: 'token-2022' }, assets.sol],
        ...overrides,
      })
    },
    requirement: (asset, amount, maxAgeSeconds = 0) => ({
      asset,
      amount,
      payTo: payTo.toBase58(),
      maxAgeSeconds,
    }),
    stop: () => rpc.stop(),
  }
}
