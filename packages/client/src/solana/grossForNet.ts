import { calculateFee, type TransferFee } from '@solana/spl-token'

/** Largest amount an SPL transfer can carry (u64). */
const maxU64 = 2n ** 64n - 1n

/**
 * The smallest amount to send so that at least `net` arrives after a Token-2022 transfer fee
 * (the fee as spl-token's `calculateFee` computes it: basis points rounded up, capped at
 * `maximumFee`). Undefined when no u64 amount delivers `net`.
 *
 * @example grossForNet(10_000n, { epoch: 0n, transferFeeBasisPoints: 100, maximumFee: 10n ** 9n }) // 10102n
 */
export function grossForNet(net: bigint, fee: TransferFee): bigint | undefined {
  const basisPoints = BigInt(fee.transferFeeBasisPoints)
  if (basisPoints === 0n || fee.maximumFee === 0n || net === 0n) return net
  // A fee at its maximum: sending net + maximumFee always delivers net.
  const capped = net + fee.maximumFee
  let gross =
    basisPoints >= 10_000n
      ? capped
      : (net * 10_000n + (10_000n - basisPoints) - 1n) / (10_000n - basisPoints)
  if (gross > capped) gross = capped
  // The fee rounds up: the estimate can fall a unit or two short.
  while (gross - calculateFee(fee, gross) < net && gross < capped) gross += 1n
  return gross <= maxU64 ? gross : undefined
}
