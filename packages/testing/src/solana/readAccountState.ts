import type { Address } from '@solana/kit'
import {
  TOKEN_2022_PROGRAM_ID,
  TOKEN_PROGRAM_ID,
  unpackAccount,
  unpackMint,
} from '@solana/spl-token'
import { type AccountInfo, PublicKey } from '@solana/web3.js'
import { formatAmount } from '@tx402/core'
import type { LiteSVM } from 'litesvm'

/** A token account's balance as a node reports it. */
export interface TokenState {
  mint: string
  owner: string
  programId: string
  amount: bigint
  decimals: number
}

/** What the node reads of one account: lamports, and the balance when it is a token account. */
export interface AccountState {
  lamports: bigint
  token?: TokenState
}

const tokenPrograms = new Set([TOKEN_PROGRAM_ID.toBase58(), TOKEN_2022_PROGRAM_ID.toBase58()])

/**
 * Reads an account from litesvm; a missing account has 0 lamports. Token accounts of SPL Token
 * and Token-2022 (extensions included) also give mint, owner, amount and the mint's decimals.
 *
 * @example readAccountState(svm, ata).token?.amount // 1000n
 */
export function readAccountState(svm: LiteSVM, address: string): AccountState {
  const info = accountInfo(svm, address)
  if (!info) return { lamports: 0n }
  const lamports = BigInt(info.lamports)
  if (!tokenPrograms.has(info.owner.toBase58())) return { lamports }
  try {
    const account = unpackAccount(new PublicKey(address), info, info.owner)
    const mintInfo = accountInfo(svm, account.mint.toBase58())
    if (!mintInfo) return { lamports }
    const mint = unpackMint(account.mint, mintInfo, info.owner)
    return {
      lamports,
      token: {
        mint: account.mint.toBase58(),
        owner: account.owner.toBase58(),
        programId: info.owner.toBase58(),
        amount: account.amount,
        decimals: mint.decimals,
      },
    }
  } catch {
    // A mint or another account of a token program: no balance to report.
    return { lamports }
  }
}

/** `uiTokenAmount` as a node writes it: the float is for display, `amount` is exact. */
export function uiTokenAmount(amount: bigint, decimals: number) {
  const uiAmountString = formatAmount(amount, decimals)
  return {
    amount: amount.toString(),
    decimals,
    uiAmount: amount === 0n ? null : Number(uiAmountString),
    uiAmountString,
  }
}

/** The account as web3.js types it, or undefined when it does not exist. */
export function accountInfo(svm: LiteSVM, address: string): AccountInfo<Buffer> | undefined {
  const account = svm.getAccount(address as Address)
  if (!account.exists) return undefined
  return {
    data: Buffer.from(account.data),
    executable: account.executable,
    lamports: Number(account.lamports),
    owner: new PublicKey(account.programAddress),
  }
}
