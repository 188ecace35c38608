import { createHash } from 'node:crypto'
import { type Address, getBase58Decoder, lamports } from '@solana/kit'
import { Keypair } from '@solana/web3.js'
import { answerSolanaRpc } from './answerSolanaRpc.js'
import { serveJsonRpc } from './jsonRpcServer.js'
import { createLiteSvmNode } from './liteSvmNode.js'
import type { Commitment } from './parsedTransaction.js'
import type { SolanaRpc, SolanaRpcOptions } from './solanaRpcTypes.js'
import { solanaSetupHelpers } from './solanaSetupHelpers.js'

/** The genesis hash this local chain answers by default (sha256 of a fixed label, base58). */
export const localGenesisHash = getBase58Decoder().decode(
  createHash('sha256').update('tx402 litesvm local chain').digest(),
)

/**
 * Starts litesvm behind a JSON-RPC endpoint on a free loopback port, answering what the tx402
 * plugin and client use: `getGenesisHash`, `getLatestBlockhash`, `getBlockHeight`, `getSlot`,
 * `getBlockTime`,
 * `sendTransaction` (base64 or base58, with or without preflight), `getSignatureStatuses`,
 * `getTransaction` (jsonParsed, with pre/post token balances and lookup-table keys),
 * `getAccountInfo` (base64), `getBalance`, `getTokenAccountBalance` and
 * `getMinimumBalanceForRentExemption`, in the shapes a node answers. The real SPL Token,
 * Token-2022, associated-token-account, memo and address-lookup-table programs execute.
 * No websocket: confirm by polling `getSignatureStatuses` (transactions land when sent).
 *
 * @example
 * const rpc = await startSolanaRpc()
 * const mint = rpc.createMint({ decimals: 6 })
 * rpc.mintTo({ mint, owner: payer.publicKey, amount: 1_000_000n })
 * const plugin = solana({ rpcUrl: rpc.rpcUrl, network: rpc.network, payTo, assets: [...] })
 * after(() => rpc.stop())
 */
export async function startSolanaRpc(options: SolanaRpcOptions = {}): Promise<SolanaRpc> {
  const genesisHash = options.genesisHash ?? localGenesisHash
  const landAt = options.landAt ?? 'finalized'
  const node = createLiteSvmNode({ landAt: () => landAt })
  const { svm } = node
  const levels = new Map<string, Commitment>()
  const authority = Keypair.generate()
  svm.airdrop(authority.publicKey.toBase58() as Address, lamports(1_000_000_000_000n))

  const commitmentOf = (signature: string): Commitment | undefined =>
    levels.get(signature) ?? node.transaction(signature)?.commitment
  const server = await serveJsonRpc(answerSolanaRpc({ node, genesisHash, commitmentOf }))

  return {
    rpcUrl: server.url,
    network: `solana:${genesisHash.slice(0, 32)}`,
    genesisHash,
    svm,
    authority,
    ...solanaSetupHelpers(node, authority),
    setCommitment(signature, commitment) {
      if (!node.transaction(signature)) throw new Error(`Unknown transaction ${signature}`)
      levels.set(signature, commitment)
    },
    stall: server.stall,
    stop: server.close,
  }
}
