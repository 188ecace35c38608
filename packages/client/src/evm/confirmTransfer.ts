import type { AcceptOption } from '@tx402/core/protocol'
import { errorNamed } from '@tx402/core/protocol'
import type { Address, Hex } from 'viem'
import { PaymentFailedError, PaymentTimeoutError } from '../errors.js'
import type { PaidTransfer, SignedPayment } from '../payer.js'
import { transferCall } from './buildTransfer.js'
import type { EvmPayerContext } from './resolveOptions.js'

/**
 * Waits (viem's `waitForTransactionReceipt`) until the payment has `option.minConfirmations`
 * (default 1), and returns the hash it was mined under: a wallet's speed-up (`'repriced'`) pays
 * the same under a new hash. Throws `PaymentFailedError` when it reverted or was replaced or
 * cancelled, `PaymentTimeoutError` at `deadline` (Unix ms). With `transfer` (the journal entry's
 * terms), a speed-up is recognised even when the node dropped the original before the wait read
 * it.
 *
 * @example const { txId } = await confirmTransfer(context, payment, option, Date.now() + 60_000)
 */
export async function confirmTransfer(
  { publicClient }: EvmPayerContext,
  payment: SignedPayment,
  option: Pick<AcceptOption, 'minConfirmations'>,
  deadline: number,
  transfer?: PaidTransfer,
): Promise<{ txId: string }> {
  const confirmations = Math.max(1, option.minConfirmations ?? 1)
  const timeout = deadline - Date.now()
  if (timeout <= 0) throw confirmTimeout(payment, confirmations)
  let replaced: string | undefined
  let receipt: Awaited<ReturnType<typeof publicClient.waitForTransactionReceipt>>
  try {
    receipt = await publicClient.waitForTransactionReceipt({
      hash: payment.txId as Hex,
      confirmations,
      timeout,
      onReplaced: (replacement) => {
        replaced = replacement.reason
      },
      // viem (2.57.12+) then finds a replacement by sender and nonce even once the node dropped
      // this transaction, and calls it 'repriced' when it pays the same transfer.
      ...(transfer ? { replacement: replacementKey(payment, transfer) } : {}),
    } as Parameters<typeof publicClient.waitForTransactionReceipt>[0])
  } catch (error) {
    // By name: the app's publicClient may come from another copy of viem.
    if (errorNamed(error, 'WaitForTransactionReceiptTimeoutError')) {
      throw confirmTimeout(payment, confirmations)
    }
    throw error
  }
  if (replaced && replaced !== 'repriced') {
    throw new PaymentFailedError(`The wallet ${replaced} the payment transaction.`)
  }
  if (receipt.status !== 'success') {
    throw new PaymentFailedError(`The payment transaction ${receipt.transactionHash} reverted.`)
  }
  // A wallet's speed-up ('repriced') pays the same under a new hash.
  return { txId: receipt.transactionHash }
}

function replacementKey(payment: SignedPayment, transfer: PaidTransfer) {
  const call = transferCall(transfer)
  return {
    from: payment.from as Address,
    nonce: payment.validUntil,
    to: call.to,
    input: call.data,
    value: call.value,
  }
}

function confirmTimeout(payment: SignedPayment, confirmations: number): PaymentTimeoutError {
  return new PaymentTimeoutError({
    txId: payment.txId,
    waiting: `${confirmations} confirmation(s) of ${payment.txId}`,
  })
}
