import { errorNamed } from '@tx402/core/protocol'
import type { Address, Hex } from 'viem'
import type { SignedPayment, TransferStatus } from '../payer.js'
import type { EvmPayerContext } from './resolveOptions.js'

/**
 * Where a signed payment stands: `'known'` when the node has the transaction (pending or mined),
 * `'missing'` while its nonce is unused (the same bytes can still land), `'expired'` once another
 * transaction used its nonce (`findReplacement` tells whether that one pays the same).
 *
 * @example if ((await transferStatus(context, payment)) === 'missing') await sendTransfer(context, payment)
 */
export async function transferStatus(
  { publicClient }: EvmPayerContext,
  payment: SignedPayment,
): Promise<TransferStatus> {
  const hash = payment.txId as Hex
  if (await exists(() => publicClient.getTransaction({ hash }))) return 'known'
  const used = await publicClient.getTransactionCount({
    address: payment.from as Address,
    blockTag: 'latest',
  })
  if (used <= payment.validUntil) return 'missing'
  // Its nonce is used: by this transaction if it was mined since the first look, or by another.
  const mined = await exists(() => publicClient.getTransactionReceipt({ hash }))
  return mined ? 'known' : 'expired'
}

async function exists(read: () => Promise<unknown>): Promise<boolean> {
  try {
    await read()
    return true
  } catch (error) {
    // By name: the app's clients may come from another copy of viem than this package's.
    if (errorNamed(error, 'TransactionNotFoundError', 'TransactionReceiptNotFoundError')) {
      return false
    }
    throw error
  }
}
