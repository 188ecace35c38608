import { InvalidTxIdError } from '@tx402/core'
import bs58 from 'bs58'

const base58 = /^[1-9A-HJ-NP-Za-km-z]+$/

/**
 * The canonical form of a Solana transaction id: base58 of a 64-byte signature, exactly as
 * given (base58 is case-sensitive, so nothing is folded). Anything else throws
 * `InvalidTxIdError` (answered 400).
 *
 * @example normalizeTxId('2S2rTZja…WVQ3E') // the same string
 */
export function normalizeTxId(raw: string): string {
  // 64 bytes are at most 88 base58 characters; the bound keeps decoding cheap.
  if (typeof raw !== 'string' || raw.length > 88 || !base58.test(raw)) {
    throw new InvalidTxIdError(
      'A Solana transaction id is the base58 signature of the transaction.',
    )
  }
  const bytes = bs58.decode(raw)
  if (bytes.length !== 64 || bs58.encode(bytes) !== raw) {
    throw new InvalidTxIdError('A Solana transaction id is the base58 of a 64-byte signature.')
  }
  return raw
}
