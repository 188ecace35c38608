import type { Keypair, PublicKey } from '@solana/web3.js'
import type { Network } from '@tx402/core'
import type { LiteSVM } from 'litesvm'
import type { Commitment } from './parsedTransaction.js'

// The shapes of `startSolanaRpc`, apart from it so its setup helpers can name them without an import circle.

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
