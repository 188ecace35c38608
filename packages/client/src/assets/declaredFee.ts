import type { AcceptOption } from '@tx402/core/protocol'

/**
 * The fee a server declares for an option (`accepts[].transferFee`) on top of its amount, for the
 * spending-cap check before anything is read from the chain; 0 without one. An estimate from the
 * declared basis points (capped at `maximumFee`), computed here so that the root entry never loads
 * @solana/spl-token: the Solana payer computes the exact gross with spl-token's `calculateFee`
 * from the mint itself and checks the cap again before signing.
 *
 * @example declaredFee(option, 10_000n) // 102n for a 1% fee
 */
export function declaredFee(option: Pick<AcceptOption, 'transferFee'>, amount: bigint): bigint {
  const declared = option.transferFee
  if (!declared) return 0n
  let maximumFee: bigint
  try {
    maximumFee = BigInt(declared.maximumFee)
  } catch {
    return 0n
  }
  const basisPoints = BigInt(declared.basisPoints)
  if (basisPoints <= 0n || maximumFee <= 0n || amount <= 0n) return 0n
  if (basisPoints >= 10_000n) return maximumFee
  // The extra x with x = fee(amount + x): amount * bp / (10000 - bp), rounded up.
  const extra = (amount * basisPoints + (10_000n - basisPoints) - 1n) / (10_000n - basisPoints)
  return extra < maximumFee ? extra : maximumFee
}
