import { proofMessage } from '../proofMessage.js'
import { headerNames } from '../protocol/headers.js'
import { choosePayer } from './choosePayer.js'
import type { EngineObserver } from './observer.js'
import type { Attempt } from './readAttempt.js'
import { type Refusal, refuse } from './refusal.js'

/** Who paid, and how much of it is theirs: what identifies the payment in the ledger. */
export interface Verified {
  payer: string
  /** Base units this payer sent to `payTo`. */
  amount: bigint
}

/** What `verifyOnChain` needs besides the attempt. */
export interface VerifyDependencies {
  observer: Pick<EngineObserver, 'verification' | 'inFlight'>
  /** Tolerated clock difference between the chain and this server, in seconds. */
  skewSeconds: number
}

/**
 * Step 3, verify (docs/protocol.md section 4): asks the attempt's chain plugin about the
 * transaction, then judges what it reported: still pending (409 `payment_pending`), refused by
 * the plugin (its code; `tx_not_found` is for the caller to cache), mined before the challenge it
 * answers (`tx_too_old`), whose payment it is when several payers paid (`ambiguous_payer`,
 * `proof_invalid`), and whether that payer's own part pays the price (`insufficient_amount`).
 * The plugin call is the only one here, so every engine-side judgment of its report lives in
 * this file. Throws the plugin's fault (RPC down): the caller answers 503, nothing consumed.
 *
 * @example
 * const verified = await verifyOnChain({ observer, skewSeconds: 60 }, attempt)
 * if (isRefusal(verified)) return respond(verified)
 */
export async function verifyOnChain(
  dependencies: VerifyDependencies,
  attempt: Attempt,
): Promise<Verified | Refusal> {
  const { offer, txId, requirement, challenge, proof } = attempt
  const { plugin } = offer
  const { observer } = dependencies
  const started = performance.now()
  observer.inFlight?.(plugin.name, 1)
  let result: Awaited<ReturnType<typeof plugin.verify>>
  try {
    await plugin.ready?.()
    result = await plugin.verify({ txId, requirement, challenge, now: Date.now() })
    observer.verification?.(plugin.name, result.status, performance.now() - started)
  } catch (error) {
    observer.verification?.(plugin.name, 'fault', performance.now() - started)
    throw error
  } finally {
    observer.inFlight?.(plugin.name, -1)
  }

  if (result.status === 'pending') {
    const seconds = Math.max(1, Math.ceil(result.retryAfterMs / 1000))
    return refuse(
      'payment_pending',
      result.message ??
        `The transaction is not final yet. Retry the same headers after ${seconds} seconds; do not pay again.`,
      seconds,
    )
  }
  if (result.status === 'invalid') return refuse(result.reason, result.message)
  if (challenge && result.blockTime < challenge.issuedAt - dependencies.skewSeconds) {
    return refuse(
      'tx_too_old',
      'The transaction is older than the challenge it answers. Pay again.',
    )
  }
  const choice = await choosePayer(
    plugin,
    result,
    proof
      ? {
          message: proofMessage({ network: plugin.network, txId, challengeId: challenge?.id }),
          signature: proof,
        }
      : undefined,
  )
  if (choice.status === 'proof_invalid') {
    return refuse(
      'proof_invalid',
      'The payment proof is not a signature by the payer of this transaction.',
    )
  }
  if (choice.status === 'ambiguous_payer') {
    return refuse(
      'ambiguous_payer',
      `This transaction carries payments from ${choice.payers.length} payers to ${requirement.payTo}. Send ${headerNames.proof}, signed by the payer whose payment this is.`,
    )
  }
  // The plugin checked the total; this payer's own part must pay the price.
  if (choice.transfer.amount < requirement.amount) {
    return refuse(
      'insufficient_amount',
      `The payer sent ${choice.transfer.amount} base units; the price is ${requirement.amount}. Pay again in full.`,
    )
  }
  return { payer: choice.transfer.payer, amount: choice.transfer.amount }
}
