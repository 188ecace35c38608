import { errorNamed, isViemError } from '@tx402/core/protocol'
import type { Hex } from 'viem'
import { BroadcastRejectedError } from '../errors.js'
import type { SignedPayment } from '../payer.js'
import type { EvmPayerContext } from './resolveOptions.js'

/**
 * Sends a signed payment's raw bytes (`eth_sendRawTransaction`); nothing to send when a browser
 * wallet already sent it. Throws `BroadcastRejectedError` when the node answers with an error
 * (refused for good); a transport fault (HTTP error, timeout) is thrown as is, since the bytes
 * may have reached the node.
 *
 * @example await sendTransfer(context, payment)
 */
export async function sendTransfer(
  { publicClient }: EvmPayerContext,
  payment: SignedPayment,
): Promise<void> {
  if (!payment.serialized) return
  try {
    await publicClient.sendRawTransaction({ serializedTransaction: payment.serialized as Hex })
  } catch (error) {
    if (isTransportFault(error)) throw error
    throw new BroadcastRejectedError('The node refused the signed transaction.', {
      cause: error,
    })
  }
}

// The request may or may not have reached the node: its fate is unknown, unlike a JSON-RPC error.
// Recognised by name: the app's publicClient may come from another copy of viem.
function isTransportFault(error: unknown): boolean {
  if (!isViemError(error)) return true
  return Boolean(
    errorNamed(
      error,
      'HttpRequestError',
      'TimeoutError',
      'WebSocketRequestError',
      'SocketClosedError',
    ),
  )
}
