import type { AcceptOption } from '@tx402/core/protocol'
import { PaymentFailedError, PaymentTimeoutError } from '../errors.js'
import type { SignedPayment } from '../payer.js'
import { sleep } from '../retryDelay.js'
import type { SolanaPayerContext } from './resolveOptions.js'
import { sendRaw } from './sendTransfer.js'
import { lookupSignature, transferStatus } from './transferStatus.js'

const commitmentOrder = ['processed', 'confirmed', 'finalized'] as const
/** While a transaction is not seen, its same bytes are sent again this often (ms). */
const resendIntervalMs = 2_000

/**
 * Polls `getSignatureStatuses` every `pollIntervalMs` until the payment reaches
 * `option.commitment` (default `'confirmed'`), resending the same bytes while it is not seen and
 * its blockhash is valid. Returns its signature. Throws `PaymentFailedError` when it failed on
 * chain or expired without landing, `PaymentTimeoutError` at `deadline` (Unix ms).
 *
 * @example const { txId } = await confirmTransfer(context, payment, option, Date.now() + 60_000)
 */
export async function confirmTransfer(
  context: SolanaPayerContext,
  payment: SignedPayment,
  option: Pick<AcceptOption, 'commitment'>,
  deadline: number,
): Promise<{ txId: string }> {
  const { connection, pollIntervalMs } = context
  const wanted = commitmentOrder.indexOf(option.commitment ?? 'confirmed')
  let lastSent = Date.now()
  for (;;) {
    const seen = await lookupSignature(connection, payment.txId)
    if (seen?.err) {
      throw new PaymentFailedError(`The payment transaction ${payment.txId} failed on chain.`, {
        details: JSON.stringify(seen.err),
      })
    }
    const level = commitmentOrder.indexOf(seen?.confirmationStatus ?? 'processed')
    if (seen && level >= wanted) return { txId: payment.txId }
    if (!seen) {
      const state = await transferStatus(context, payment)
      if (state === 'expired') {
        throw new PaymentFailedError(
          `The payment transaction ${payment.txId} expired without landing; nothing was paid.`,
        )
      }
      if (state === 'missing' && payment.serialized && Date.now() - lastSent >= resendIntervalMs) {
        lastSent = Date.now()
        await sendRaw(connection, payment, true).catch(() => undefined)
      }
    }
    if (Date.now() + pollIntervalMs > deadline) {
      throw new PaymentTimeoutError({
        txId: payment.txId,
        waiting: `${option.commitment ?? 'confirmed'} commitment of ${payment.txId}`,
      })
    }
    await sleep(pollIntervalMs)
  }
}
