import { getBase58Decoder } from '@solana/kit'
import { type AccountState, uiTokenAmount } from './readAccountState.js'
import type { RpcTransactionError } from './transactionError.js'

/** A commitment level, lowest first. */
export type Commitment = 'processed' | 'confirmed' | 'finalized'
export const commitments: readonly Commitment[] = ['processed', 'confirmed', 'finalized']

/** One account key of a message, with where it came from (static keys, then lookup tables). */
export interface AccountKey {
  pubkey: string
  signer: boolean
  writable: boolean
  source: 'transaction' | 'lookupTable'
}

/** An instruction with account and program positions in the account keys. */
export interface IndexedInstruction {
  programIdIndex: number
  accounts: readonly number[]
  data: Uint8Array
  stackHeight: number | null
}

/** Everything the node keeps about a transaction that landed, successful or failed. */
export interface LandedTransaction {
  signatures: string[]
  slot: number
  blockTime: number
  version: 'legacy' | 0
  recentBlockhash: string
  accountKeys: AccountKey[]
  instructions: IndexedInstruction[]
  addressTableLookups:
    | { accountKey: string; writableIndexes: number[]; readonlyIndexes: number[] }[]
    | null
  innerInstructions: { index: number; instructions: IndexedInstruction[] }[]
  pre: AccountState[]
  post: AccountState[]
  err: RpcTransactionError | null
  fee: number
  logMessages: string[]
  computeUnitsConsumed: number
  commitment: Commitment
}

const base58 = getBase58Decoder()

/**
 * The `getTransaction` result with `encoding: 'jsonParsed'`, in a node's shape: account keys
 * with `source` (lookup-table keys follow the static ones, so no `meta.loadedAddresses`),
 * instructions as partially decoded (`programId`, `accounts`, base58 `data`), and token balances
 * with `owner`, `mint` and `programId`.
 */
export function toParsedTransaction(
  tx: LandedTransaction,
  options: { withVersion: boolean },
): Record<string, unknown> {
  const keys = tx.accountKeys.map((key) => key.pubkey)
  const decode = (ix: IndexedInstruction) => ({
    programId: keys[ix.programIdIndex],
    accounts: ix.accounts.map((index) => keys[index]),
    data: base58.decode(ix.data),
    stackHeight: ix.stackHeight,
  })
  return {
    slot: tx.slot,
    blockTime: tx.blockTime,
    ...(options.withVersion ? { version: tx.version } : {}),
    transaction: {
      signatures: tx.signatures,
      message: {
        accountKeys: tx.accountKeys,
        instructions: tx.instructions.map(decode),
        recentBlockhash: tx.recentBlockhash,
        addressTableLookups: tx.addressTableLookups,
      },
    },
    meta: {
      err: tx.err,
      status: tx.err === null ? { Ok: null } : { Err: tx.err },
      fee: tx.fee,
      preBalances: tx.pre.map((state) => Number(state.lamports)),
      postBalances: tx.post.map((state) => Number(state.lamports)),
      innerInstructions: tx.innerInstructions.map((inner) => ({
        index: inner.index,
        instructions: inner.instructions.map(decode),
      })),
      logMessages: tx.logMessages,
      preTokenBalances: tokenBalances(tx.pre),
      postTokenBalances: tokenBalances(tx.post),
      rewards: [],
      computeUnitsConsumed: tx.computeUnitsConsumed,
    },
  }
}

function tokenBalances(states: AccountState[]) {
  return states.flatMap((state, accountIndex) =>
    state.token
      ? [
          {
            accountIndex,
            mint: state.token.mint,
            owner: state.token.owner,
            programId: state.token.programId,
            uiTokenAmount: uiTokenAmount(state.token.amount, state.token.decimals),
          },
        ]
      : [],
  )
}
