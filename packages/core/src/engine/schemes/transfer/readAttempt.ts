import { deriveReference, namesResource, openChallenge } from '../../../challenge/challenge.js'
import type { ChallengeTerm } from '../../../challenge/challengeTerms.js'
import { InvalidChallengeError, InvalidTxIdError } from '../../../errors.js'
import type { ChallengeContext } from '../../../plugin.js'
import type { ErrorCode } from '../../../protocol/codes.js'
import { headerNames } from '../../../protocol/headers.js'
import { answeredRequirement } from '../../answeredTerms.js'
import { challengeResource } from '../../challengeRealm.js'
import { readPaymentHeaders } from '../../readPaymentHeaders.js'
import { refuse } from '../../refusal.js'
import type { Attempt, PaymentRequest, Refusal, Route, Trace } from '../../types.js'

/**
 * Step 1, read the attempt (docs/protocol.md sections 3 and 4): the payment headers, the offer
 * they name, the transaction id in its canonical form, the challenge (signature and resource;
 * its expiry is judged against the block time, in `judgePayment`) and what the route's binding
 * demands; undefined without a transaction (no payment headers, or a credit token alone: the
 * credit scheme's). No I/O. A refusal once the chain is known says what was seen.
 *
 * @example
 * const attempt = readAttempt(route, request)
 * if (isRefusal(attempt)) return respond(attempt)
 */
export function readAttempt(
  rules: Pick<Route, 'keys' | 'selectOffer' | 'bindings' | 'terms'>,
  request: PaymentRequest,
): Attempt | Refusal | undefined {
  const headers = readPaymentHeaders(request.headers)
  if (headers.kind === 'none' || headers.kind === 'credit') return undefined
  if (headers.kind === 'invalid') return refuse('invalid_payment_headers', headers.message)

  const choice = rules.selectOffer(headers.chain)
  if ('error' in choice) return refuse('invalid_payment_headers', choice.error)
  const { offer } = choice
  const { plugin } = offer
  const demands = rules.bindings.get(offer)!
  // What is known from here on, for the decision line of a refusal.
  const seen: Trace = { chain: plugin.name, network: plugin.network }
  const refused = (code: ErrorCode, message: string): Refusal => ({
    ...refuse(code, message),
    seen,
  })

  let txId: string
  try {
    txId = plugin.normalizeTxId(headers.tx)
  } catch (error) {
    const reason = error instanceof InvalidTxIdError ? error.shortMessage : 'Malformed.'
    return refused('invalid_payment_headers', `${headerNames.tx}: ${reason}`)
  }
  seen.transaction = txId

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
      return refused('challenge_invalid', `${reason} Pay again against the fresh challenge.`)
    }
  } else if (demands.challenge) {
    return refused(
      'challenge_invalid',
      `This server requires ${headerNames.challenge}: pay against the challenge below (with its reference, where accepts lists one) and send its id.`,
    )
  }
  if (demands.proof && !headers.proof) {
    return refused(
      'proof_invalid',
      `This server requires ${headerNames.proof}: sign the proof message with the paying wallet.`,
    )
  }
  // Judged by the terms the payer answered, even if the route's price changed since.
  const requirement = answeredRequirement(offer, answered)
  return {
    chain: plugin.name,
    network: plugin.network,
    id: txId,
    challenged: challenge !== undefined,
    offer,
    txId,
    challenge,
    proof: headers.proof,
    requirement,
    credit: headers.credit,
  }
}
