import { base64 } from '@scure/base'
import type { TransactionSignature } from '@solana/web3.js'
import { findError } from '@tx402/core/protocol'
import { BroadcastRejectedError } from '../errors.js'
import type { SignedPayment } from '../payer.js'
import type { SolanaPayerContext } from './resolveOptions.js'

/**
 * Sends a signed payment's wire bytes with preflight. Throws `BroadcastRejectedError` when the
 * node answers with an error (preflight failed, blockhash unknown): refused for good; any other
 * fault is thrown as is, since the bytes may have reached the node.
 *
 * @example await sendTransfer(context, payment)
 */
export async function sendTransfer(
  { connection }: SolanaPayerContext,
  payment: SignedPayment,
): Promise<void> {
  try {
    await sendRaw(connection, payment, false)
  } catch (error) {
    // The node answered with an error (preflight failed, blockhash unknown): refused for good.
    if (isSendTransactionError(error)) {
      throw new BroadcastRejectedError('The node refused the signed transaction.', {
        cause: error,
      })
    }
    throw error
  }
}

/**
 * web3.js's `SendTransactionError` (the node's answer to a send) from any copy of web3.js: the
 * app's `Connection` may come from another copy, and the class sets no `name`, so it is known by
 * the fields it carries (`transactionMessage`, `getLogs`).
 */
function isSendTransactionError(error: unknown): boolean {
  return Boolean(
    findError(
      error,
      (e) => typeof e.transactionMessage === 'string' && typeof e.getLogs === 'function',
    ),
  )
}

/**
 * Sends the bytes once (`maxRetries: 0`: the payer resends them itself while confirming).
 *
 * @example await sendRaw(connection, payment, true)
 */
export function sendRaw(
  connection: SolanaPayerContext['connection'],
  payment: SignedPayment,
  skipPreflight: boolean,
): Promise<TransactionSignature> {
  return connection.sendRawTransaction(base64.decode(payment.serialized), {
    skipPreflight,
    maxRetries: 0,
  })
}
