import { getAssociatedTokenAddressSync } from '@solana/spl-token'
import { Connection, Keypair, type PublicKey } from '@solana/web3.js'
import { solana } from '@tx402/chain-solana'
import { type SolanaRpc, startSolanaRpc } from '@tx402/testing/solana'
import type { Payer } from '../payer.js'
import { solanaPayer } from '../solana/solanaPayer.js'

/** The litesvm-backed Solana RPC with a 6-decimal test USDC and a funded payer. */
export interface SolanaEnv {
  rpc: SolanaRpc
  connection: Connection
  mint: PublicKey
  payerKeypair: Keypair
  payer: Payer
  /** The test USDC balance of `owner`'s associated token account (0 when it does not exist). */
  balanceOf(owner: PublicKey): Promise<bigint>
  stop(): Promise<void>
}

/** Starts the Solana test RPC, creates a test USDC and funds a payer with SOL and USDC. */
export async function startSolanaEnv(): Promise<SolanaEnv> {
  const rpc = await startSolanaRpc()
  const mint = rpc.createMint({ decimals: 6 })
  const payerKeypair = Keypair.generate()
  rpc.fund(payerKeypair.publicKey, 10_000_000_000n)
  rpc.mintTo({ mint, owner: payerKeypair.publicKey, amount: 1_000_000_000n })
  const connection = new Connection(rpc.rpcUrl, 'confirmed')
  return {
    rpc,
    connection,
    mint,
    payerKeypair,
    // The test USDC is declared by mint: the client pays no unknown token by default.
    payer: solanaPayer({
      connection,
      signer: payerKeypair,
      pollIntervalMs: 50,
      assets: [{ address: mint.toBase58(), symbol: 'USDC', decimals: 6 }],
    }),
    async balanceOf(owner) {
      const ata = getAssociatedTokenAddressSync(mint, owner, true)
      const info = await connection.getAccountInfo(ata)
      if (!info) return 0n
      const { value } = await connection.getTokenAccountBalance(ata)
      return BigInt(value.amount)
    },
    stop: () => rpc.stop(),
  }
}

/**
 * The Solana plugin on the env's litesvm cluster, asking `payTo` for the test USDC, read through
 * `rpcUrl` (default: the cluster's own; a test's counting or failing proxy in front of it).
 *
 * @example const chain = usdcOnLitesvm(env, Keypair.generate().publicKey, proxy.url)
 */
export function usdcOnLitesvm(
  env: SolanaEnv,
  payTo: PublicKey,
  rpcUrl = env.rpc.rpcUrl,
): ReturnType<typeof solana> {
  return solana({
    rpcUrl,
    network: env.rpc.network,
    payTo: payTo.toBase58(),
    assets: [{ standard: 'spl', mint: env.mint.toBase58(), symbol: 'USDC', decimals: 6 }],
  })
}
