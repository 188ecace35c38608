import { InvalidTxIdError } from '@tx402/core'
import type { Hash } from 'viem'

const txHash = /^(?:0[xX])?([0-9a-fA-F]{64})$/

/**
 * The canonical form of an EVM transaction hash: `0x` and 64 lowercase hex digits. Upper or mixed
 * case and a missing `0x` are the same hash; anything else (spaces, commas, other lengths) throws
 * `InvalidTxIdError`, answered 400.
 *
 * @example normalizeTxId('5B4D950E…CF85') // '0x5b4d950e…cf85'
 */
export function normalizeTxId(raw: string): Hash {
  const match = typeof raw === 'string' ? txHash.exec(raw) : null
  if (!match) {
    throw new InvalidTxIdError(
      'Expected an EVM transaction hash: 32 bytes of hex, 0x and 64 hex digits.',
    )
  }
  return `0x${match[1]!.toLowerCase()}`
}
