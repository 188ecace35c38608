import { BaseError, type ErrorCode } from '@tx402/core/protocol'
import type { CreditBalance } from './credit/creditRecord.js'
import { defineError } from './defineError.js'

/**
 * The amount asked is above the caller's `maxAmount` for that asset. Thrown before anything is
 * signed or sent: nothing was paid.
 *
 * @example
 * try { await callPaidEndpoint(url, {}, { payers }) } catch (e) {
 *   if (e instanceof SpendingCapError) console.log(e.amount, e.cap, e.symbol)
 * }
 */
export class SpendingCapError extends defineError(
  'SpendingCapError',
  (fields: {
    /** Asset symbol as the server wrote it. */
    symbol: string
    /** Decimal amount asked, in units of `symbol`. */
    amount: string
    /** Decimal cap that applied. */
    cap: string
    chain: string
  }) => ({
    message: `Refused to pay ${fields.amount} ${fields.symbol} on ${fields.chain}: the cap is ${fields.cap}.`,
    details: 'Raise maxAmount for this asset to allow it. Nothing was paid.',
    fields,
  }),
) {}

/** None of the configured payers can pay any option the server accepts. Nothing was paid. */
export class NoPayableOptionError extends BaseError {
  override name = 'NoPayableOptionError' as const
}

/**
 * The server answered a tx402 error the client does not retry: its `error` code and `message`
 * are here. (`payment_pending`, `payment_in_progress`, `rate_limited` and `verifier_unavailable`
 * are retried with the same transaction until the deadline instead, and `tx_not_found` while the
 * payer's own RPC reports the transaction confirmed, for `notFoundWindowMs`.) The journal entry
 * is dropped: the transaction will never pay for this request; except after `server_error` (the
 * server's own fault, nothing consumed), which keeps it for the next call to present.
 *
 * @example
 * if (e instanceof PaymentRejectedError && e.code === 'tx_too_old') console.log(e.serverMessage)
 */
export class PaymentRejectedError extends defineError(
  'PaymentRejectedError',
  (args: { code: ErrorCode; message: string; status: number; txId?: string }) => ({
    message: `The server answered ${args.status} ${args.code}: ${args.message}`,
    details: args.txId ? `Transaction: ${args.txId}` : undefined,
    fields: {
      /** The server's `error` code. */
      code: args.code,
      /** The server's `message`. */
      serverMessage: args.message,
      status: args.status,
      /** The transaction presented, if any. */
      txId: args.txId,
    },
  }),
) {}

/**
 * The call gave up on a payment it made or found journaled, without paying again: the deadline
 * (`timeoutMs`) passed while the transaction was confirming, while the server kept answering a
 * retryable code, or while every attempt met a network error or a timeout (`cause` is the last
 * one); or the server kept answering `tx_not_found` (`lastCode`) for a transaction the payer's own
 * RPC reports confirmed, for `notFoundWindowMs`. The payment stays in the journal: the next call
 * to the same resource presents the same transaction.
 *
 * @example
 * if (e instanceof PaymentTimeoutError && e.lastCode === 'tx_not_found') console.log('unseen by the server:', e.txId)
 */
export class PaymentTimeoutError extends defineError(
  'PaymentTimeoutError',
  (args: { txId: string; lastCode?: ErrorCode | undefined; waiting: string; cause?: unknown }) => ({
    message: `Gave up waiting for ${args.waiting}.`,
    details: `Transaction ${args.txId} is kept in the payment journal; call again to present it instead of paying again.`,
    cause: args.cause,
    fields: {
      txId: args.txId,
      /** The last code the server answered, if it answered one. */
      lastCode: args.lastCode,
    },
  }),
) {}

/**
 * The payment transaction failed: the node refused it, it reverted on chain, or the asset on
 * chain is not the asset the server described. The journal entry is dropped.
 */
export class PaymentFailedError extends BaseError {
  override name = 'PaymentFailedError' as const
}

/**
 * The node refused a signed transaction outright (a definite answer, not a network fault):
 * it is not in the mempool and will not land as it is.
 */
export class BroadcastRejectedError extends BaseError {
  override name = 'BroadcastRejectedError' as const
}

/**
 * The call gave up spending prepaid credit: until the deadline (`timeoutMs`) every attempt met a
 * network error, a timeout (`cause`) or a retryable answer (`lastCode`), or the server answered
 * `server_error` (its own fault, which retrying at once would not fix). Nothing was paid on
 * chain; a credited request whose response was lost was given back by the server. The token is
 * kept: the next call spends it again.
 *
 * @example if (e instanceof CreditUnavailableError) console.log(e.lastCode, e.balance?.remaining)
 */
export class CreditUnavailableError extends defineError(
  'CreditUnavailableError',
  (args: { lastCode?: ErrorCode | undefined; balance: CreditBalance; cause?: unknown }) => ({
    message: `Gave up spending credit at ${args.balance.origin}${args.lastCode ? ` (last answer: ${args.lastCode})` : ''}.`,
    details: 'Nothing was paid on chain; the credit token is kept for the next call.',
    cause: args.cause,
    fields: {
      lastCode: args.lastCode,
      /** The balance as last reported (remaining base units, expiry). */
      balance: args.balance,
    },
  }),
) {}
