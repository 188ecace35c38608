import { deriveReference, namesResource, openChallenge } from '../challenge/challenge.js'
import type { ChallengeTerm } from '../challenge/challengeTerms.js'
import { InvalidChallengeError, InvalidTxIdError } from '../errors.js'
import type { ChallengeContext } from '../plugin.js'
import { headerNames } from '../protocol/headers.js'
import { answeredRequirement } from './answeredTerms.js'
import { challengeResource } from './challengeRealm.js'
import { readPaymentHeaders } from './readPaymentHeaders.js'
import { type Refusal, refuse } from './refusal.js'
import type { Attempt, CreditAttempt, PaymentRequest, Route, Trace } from './types.js'

/** What `readAttempt` needs of the route. */
export type AttemptRules = Pick<Route, 'keys' | 'selectOffer' | 'bindings' | 'terms'>

/**
 * Step 1, read the attempt (docs/protocol.md sections 3 and 4): the payment headers, the offer
 * they name, the transaction id in its canonical form, the challenge (signature and resource;
 * its expiry is judged against the block time, in `judgePayment`) and what the route's binding
 * demands; a credit token alone is a `CreditAttempt` (docs/protocol.md section 7.3). No I/O.
 * Records the chain, network and transaction in `trace` as they become known.
 *
 * @example
 * const attempt = readAttempt(route, request, trace)
 * if (isRefusal(attempt)) return respond(attempt)
 */
export function readAttempt(
  rules: AttemptRules,
  request: PaymentRequest,
  trace: Trace,
): Attempt | CreditAttempt | Refusal {
  const headers = readPaymentHeaders(request.headers)
  if (headers.kind === 'none') {
    const { cost } = rules.terms
    return refuse(
      'payment_required',
      `This resource costs ${cost.amount} ${cost.currency}. Pay on one of the accepted chains and retry with ${headerNames.tx} and ${headerNames.chain}.`,
    )
  }
  if (headers.kind === 'invalid') return refuse('invalid_payment_headers', headers.message)
  if (headers.kind === 'credit') return { spend: headers.credit }

  const choice = rules.selectOffer(headers.chain)
  if ('error' in choice) return refuse('invalid_payment_headers', choice.error)
  const { offer } = choice
  const { plugin } = offer
  const demands = rules.bindings.get(offer)!
  trace.chain = plugin.name
  trace.network = plugin.network

  let txId: string
  try {
    txId = plugin.normalizeTxId(headers.tx)
  } catch (error) {
    const reason = error instanceof InvalidTxIdError ? error.shortMessage : 'Malformed.'
    return refuse('invalid_payment_headers', `${headerNames.tx}: ${reason}`)
  }
  trace.transaction = txId

  let challenge: ChallengeContext | undefined
  let answered: readonly ChallengeTerm[] | undefined
  if (headers.challenge) {
    try {
      // Expiry is judged against the transaction's block time (judgePayment), not here: a
      // payment that landed in time is honoured however late the slow wallet presents it.
      const opened = openChallenge(rules.keys, headers.challenge, {
        graceSeconds: Number.POSITIVE_INFINITY,
      })
      challenge = {
        id: opened.id,
        issuedAt: opened.issuedAt,
        expiresAt: opened.expiresAt,
        reference: deriveReference(opened.id),
      }
      // Its terms only in its own realm; from another route of this server (a redirect's source,
      // another mounted app) it binds the payment, which this route's own terms then judge.
      const realm = challengeResource(request, rules.terms.realm)
      answered = namesResource(opened, realm) ? opened.terms : undefined
    } catch (error) {
      const reason =
        error instanceof InvalidChallengeError ? error.shortMessage : 'Malformed challenge.'
      return refuse('challenge_invalid', `${reason} Pay again against the fresh challenge.`)
    }
  } else if (demands.challenge) {
    return refuse(
      'challenge_invalid',
      `This server requires ${headerNames.challenge}: pay against the challenge below (with its reference, where accepts lists one) and send its id.`,
    )
  }
  if (demands.proof && !headers.proof) {
    return refuse(
      'proof_invalid',
      `This server requires ${headerNames.proof}: sign the proof message with the paying wallet.`,
    )
  }
  // Judged by the terms the payer answered, even if the route's price changed since.
  const requirement = answeredRequirement(offer, answered)
  return { offer, txId, challenge, proof: headers.proof, requirement, credit: headers.credit }
}
