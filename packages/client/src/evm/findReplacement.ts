import { type Address, type Hash, isAddressEqual } from 'viem'
import type { PaidTransfer, SignedPayment } from '../payer.js'
import { transferCall } from './buildTransfer.js'
import { nonceHolder } from './nonceHolder.js'
import type { EvmPayerContext } from './resolveOptions.js'

/**
 * The hash of the mined transaction that replaced `payment` with the same transfer: same sender
 * and nonce, same recipient, calldata and value (a wallet's "speed up" reprices it under a new
 * hash). Undefined when the nonce is unused or was used by a different transaction (a cancel,
 * another payment): then `payment` never paid. RPC faults are thrown, so an unknown fate is never
 * taken for "nothing was paid".
 *
 * @example const replacedBy = await findReplacement(context, entry.payment, entry)
 */
export async function findReplacement(
  { publicClient }: EvmPayerContext,
  payment: SignedPayment,
  transfer: PaidTransfer,
): Promise<Hash | undefined> {
  const holder = await nonceHolder(publicClient, payment.from as Address, payment.validUntil)
  if (!holder || holder.hash.toLowerCase() === payment.txId.toLowerCase()) return undefined
  const expected = transferCall(transfer)
  const same =
    holder.to !== null &&
    isAddressEqual(holder.to, expected.to) &&
    holder.value === expected.value &&
    holder.input.toLowerCase() === expected.data.toLowerCase()
  return same ? holder.hash : undefined
}
