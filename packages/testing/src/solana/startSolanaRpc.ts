import { createHash } from 'node:crypto'
import { type Address, getBase58Decoder, lamports } from '@solana/kit'
import { Keypair, type PublicKey } from '@solana/web3.js'
import type { Network } from '@tx402/core'
import type { LiteSVM } from 'litesvm'
import { answerSolanaRpc } from './answerSolanaRpc.js'
import { serveJsonRpc } from './jsonRpcServer.js'
import { createLiteSvmNode } from './liteSvmNode.js'
import type { Commitment } from './parsedTransaction.js'
import { solanaSetupHelpers } from './solanaSetupHelpers.js'

/** Options of `startSolanaRpc`. */
export interface SolanaRpcOptions {
  /**
   * What `getGenesisHash` answers; the network is `solana:` + its first 32 characters.
   * Default: a fixed hash of this local chain (`localGenesisHash`).
   */
  genesisHash?: string
  /** The commitment transactions reach when they land; raise it with `setCommitment`. Default `'finalized'`. */
  landAt?: Commitment
}

/** A running Solana JSON-RPC over litesvm. Test support: never for real funds. */
export interface SolanaRpc {
  /** `http://127.0.0.1:<port>` */
  rpcUrl: string
  /** `solana:<first 32 characters of the genesis hash>` */
  network: Network
  genesisHash: string
  /** The litesvm instance, for anything the helpers do not cover. */
  svm: LiteSVM
  /** A funded keypair: pays for the helpers' transactions and is the mint authority of their mints. */
  authority: Keypair
  /** Adds lamports to an account (an airdrop). */
  fund(address: PublicKey | string, lamports: bigint): void
  /**
   * Creates and initializes a mint; Token-2022 with `transferFee` adds a transfer-fee extension,
   * with `transferHook` a transfer-hook extension naming `programId`, and writes the mint's
   * `ExtraAccountMetaList` (the PDA `["extra-account-metas", mint]` of `programId`, owned by it)
   * listing `extraAccounts` as read-only fixed addresses, as the hook program's
   * `InitializeExtraAccountMetaList` would.
   */
  createMint(options?: {
    decimals?: number
    tokenProgram?: 'token' | 'token-2022'
    transferFee?: { basisPoints: number; maximumFee: bigint }
    transferHook?: { programId: PublicKey; extraAccounts?: readonly PublicKey[] }
  }): PublicKey
  /**
   * Schedules a new transfer fee on a Token-2022 mint made by `createMint` (the program makes it
   * take effect two epochs on).
   */
  setTransferFee(options: { mint: PublicKey; basisPoints: number; maximumFee: bigint }): void
  /** The current epoch (`getEpochInfo`, and what the token programs see). */
  epoch(): bigint
  /** Moves the chain to `epoch` (the clock's epoch; slots are kept). */
  setEpoch(epoch: bigint): void
  /** Mints `amount` base units to `owner`'s associated token account (created if missing); returns it. */
  mintTo(options: { mint: PublicKey; owner: PublicKey; amount: bigint }): PublicKey
  /** Creates an address lookup table holding `addresses`, active from the next transaction on. */
  createLookupTable(addresses: PublicKey[]): PublicKey
  /** Moves a landed transaction to another commitment (`getTransaction` answers only at or below it). */
  setCommitment(signature: string, commitment: Commitment): void
  /** While stalled, every request hangs unanswered (an RPC that times out). */
  stall(stalled: boolean): void
  stop(): Promise<void>
}

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
