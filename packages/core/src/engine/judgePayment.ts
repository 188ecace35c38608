import { assetId } from '../assetId.js'
import { formatAmount } from '../money.js'
import type {
  ChallengeContext,
  PayerTransfer,
  PaymentFacts,
  PaymentRequirement,
  VerifyResult,
} from '../plugin.js'
import { headerNames } from '../protocol/headers.js'
import type { PayerChoice } from './choosePayer.js'
import { isRefusal, type Refusal, refuse } from './refusal.js'

/** What a payment's facts are judged against. */
export interface JudgeTerms {
  /** The asset, amount and payee the payment must meet, and its `maxAgeSeconds` (0: no check). */
  requirement: PaymentRequirement
  /** The challenge the payer answered, if any. */
  challenge?: ChallengeContext | undefined
  /** Unix milliseconds. */
  now: number
  /** Tolerated clock difference between the chain and the challenge's issuer, in seconds. */
  clockSkewSeconds: number
  /**
   * Seconds the chain's clock runs ahead of `now` (negative: behind), as `ChainClock` sampled it:
   * age and challenge times are judged in the chain's frame. Believed up to the requirement's
   * `maxAgeSeconds` either way (900 s without an age check): a head further off is a stalled
   * RPC, not drift. Default 0.
   */
  chainOffsetSeconds?: number | undefined
  /**
   * The route's terms now. A transaction that landed after its challenge's `expiresAt` (in the
   * chain's time, beyond `clockSkewSeconds`) is judged by them, never by the expired challenge's;
   * one that pays another asset or payee than they ask is refused. Default: `requirement`.
   */
  currentRequirement?: PaymentRequirement | undefined
  /**
   * The chain binds by reference (`ChainPlugin.binding`): with a challenge, the transaction must
   * be reported to carry its reference (`referenceSeen: true`); a report that says nothing is
   * refused, never taken as bound. Default false.
   */
  bindsByReference?: boolean | undefined
}

/**
 * The judgment of a plugin's report: refused, not final yet (`payment_pending`), or payable by
 * one of `candidates` (`choosePayer` picks, `judgePayer` judges the pick).
 */
export type PaymentJudgment =
  | Refusal
  | { status: 'pending'; retryAfterMs: number; message?: string | undefined }
  | Payable

/** Who may have paid, and the terms the payment was judged by (`judgePayer` judges the pick by them). */
export interface Payable {
  status: 'payable'
  candidates: readonly PayerTransfer[]
  requirement: PaymentRequirement
}

/**
 * Judges what a chain plugin reported, the one place where age, challenge time, price and
 * reference binding are decided (docs/protocol.md section 4, checks 2, 5 and 6). The plugin's own
 * `invalid` (what only the chain can tell) is a refusal as it is. Facts are judged in order: a
 * challenge whose reference the transaction does not carry, or, on a chain that binds by
 * reference, is not reported to carry (`challenge_invalid`); nothing of the
 * asset to `payTo` (`wrong_asset` or `wrong_recipient`); less than the price in all
 * (`insufficient_amount`); a block older than `maxAgeSeconds`, or than the challenge's issue time
 * less `clockSkewSeconds` (`tx_too_old`), times taken in the chain's frame (`chainOffsetSeconds`, believed up to
`maxAgeSeconds` either way, or `maxChainOffsetSeconds` without an age check: a head further off is
a stalled RPC, not drift).
 * A transaction that landed by its challenge's expiry is judged by the challenge's terms however
 * late it is presented (its own age is the bound); one that landed after it, by
 * `currentRequirement`. A `pending` report stays pending unless what it has
 * `seen` fails a check before age: a payment that can never pay is not waited for. Pure: no
 * clock, no I/O.
 *
 * @throws TypeError for a `confirmed` report without a finite block time (a plugin bug; the
 *   engine answers 503, nothing consumed), never judged as fresh.
 *
 * @example
 * const judged = judgePayment(await plugin.verify(context), { requirement, challenge, now: Date.now(), clockSkewSeconds: 60 })
 * if (isRefusal(judged)) return respond(judged)
 */
export function judgePayment(result: VerifyResult, terms: JudgeTerms): PaymentJudgment {
  if (result.status === 'invalid') return refuse(result.reason, result.message)
  if (result.status === 'confirmed') {
    // A confirmed report without a block time would skip the age checks: a plugin bug (503).
    if (!Number.isFinite(result.blockTime)) {
      throw new TypeError(`a confirmed report needs a block time, got ${result.blockTime}`)
    }
    return judgeFacts(result, terms)
  }
  const early = result.seen && judgeFacts(result.seen, terms)
  if (early && isRefusal(early)) return early
  return { status: 'pending', retryAfterMs: result.retryAfterMs, message: result.message }
}

/** The facts of a transaction not final yet lack their block time: all but age is judged. */
function judgeFacts(
  facts: Omit<PaymentFacts, 'blockTime'> & { blockTime?: number },
  terms: JudgeTerms,
): Refusal | Payable {
  const { challenge } = terms
  const unbound = terms.bindsByReference
    ? facts.referenceSeen !== true
    : facts.referenceSeen === false
  if (challenge && unbound) {
    return refuse(
      'challenge_invalid',
      'The transaction does not carry this challenge’s reference key. Pay again with the reference of the fresh challenge.',
    )
  }
  const { blockTime } = facts
  const offset = boundedOffset(terms.chainOffsetSeconds ?? 0, terms.requirement.maxAgeSeconds)
  const requirement = termsInForce(blockTime, terms, offset)
  if (isRefusal(requirement)) return requirement
  const { asset, payTo } = requirement
  const candidates: readonly PayerTransfer[] = facts.transfers?.length
    ? facts.transfers
    : [{ payer: facts.payer, amount: facts.amount }]
  const received = facts.received ?? candidates.reduce((sum, transfer) => sum + transfer.amount, 0n)
  if (received <= 0n) {
    return facts.mismatch === 'asset'
      ? refuse(
          'wrong_asset',
          `The transaction paid ${payTo} no ${asset.symbol}. Pay again in ${asset.symbol}.`,
        )
      : refuse('wrong_recipient', `The transaction paid nothing to ${payTo}. Pay again to payTo.`)
  }
  if (received < requirement.amount) {
    return refuse(
      'insufficient_amount',
      `${payTo} received ${amountOf(received, requirement)}; the price is ${amountOf(requirement.amount, requirement)}. Pay again in full.`,
    )
  }
  if (blockTime === undefined) return { status: 'payable', candidates, requirement }
  const maxAge = requirement.maxAgeSeconds
  // Now, in the chain's frame: a chain whose clock lags this server's does not age its blocks.
  if (maxAge > 0 && Math.floor(terms.now / 1000) + offset - blockTime > maxAge) {
    return refuse(
      'tx_too_old',
      `The transaction is older than ${maxAge} seconds. Pay again per accepts.`,
    )
  }
  if (challenge && blockTime < challenge.issuedAt + offset - terms.clockSkewSeconds) {
    return refuse(
      'tx_too_old',
      'The transaction is older than the challenge it answers. Pay again.',
    )
  }
  return { status: 'payable', candidates, requirement }
}

/** The bound of the chain's clock offset when the route has no age check (`maxAgeSeconds` 0). */
const maxChainOffsetSeconds = 900

/**
 * The chain's clock offset as far as it is believed: within `maxAgeSeconds` either way (or
 * `maxChainOffsetSeconds` without an age check). A head further off than that is a stalled or
 * lagging RPC (or a broken chain clock), not drift: taken whole, an RPC three days behind would
 * make a transfer sent three days ago for something else look fresh.
 */
function boundedOffset(offset: number, maxAgeSeconds: number): number {
  const bound = maxAgeSeconds > 0 ? maxAgeSeconds : maxChainOffsetSeconds
  return Math.max(-bound, Math.min(bound, offset))
}

/**
 * The terms a transaction is judged by: its challenge's (`terms.requirement`) when it landed by
 * the challenge's expiry in the chain's frame (or its block time is not known yet), else the
 * route's current ones, which refuse a payment to another asset or payee outright: an expired
 * challenge's terms never bind a transaction made after it.
 */
function termsInForce(
  blockTime: number | undefined,
  terms: JudgeTerms,
  offset: number,
): PaymentRequirement | Refusal {
  const { challenge, requirement } = terms
  const current = terms.currentRequirement ?? requirement
  if (blockTime === undefined || challenge?.expiresAt === undefined) return requirement
  if (blockTime <= challenge.expiresAt + offset + terms.clockSkewSeconds) return requirement
  if (!sameAsset(current, requirement)) {
    return refuse(
      'wrong_asset',
      `The transaction landed after its challenge expired, and this route no longer takes ${requirement.asset.symbol} there. Pay again per accepts.`,
    )
  }
  if (!sameId(current.payTo, requirement.payTo)) {
    return refuse(
      'wrong_recipient',
      `The transaction landed after its challenge expired, and this route is paid to ${current.payTo} now. Pay again per accepts.`,
    )
  }
  return current
}

function sameAsset(a: PaymentRequirement, b: PaymentRequirement): boolean {
  return sameId(assetId(a.asset), assetId(b.asset))
}

// EVM addresses in any case are one address; base58 (Solana) is case-sensitive.
function sameId(a: string, b: string): boolean {
  return a === b || (a.startsWith('0x') && a.toLowerCase() === b.toLowerCase())
}

/**
 * Judges the payer a request presents (`choosePayer`'s answer): a proof by nobody who paid
 * (`proof_invalid`), several payers and no proof (`ambiguous_payer`), or a payer whose own part
 * is below the price (`insufficient_amount`). Pure.
 *
 * @example
 * const choice = judgePayer(await choosePayer(plugin, judged.candidates, proof), requirement)
 * if (choice.status === 'accepted') credit(choice.transfer.payer, choice.transfer.amount)
 */
export function judgePayer(
  choice: PayerChoice,
  requirement: PaymentRequirement,
): Refusal | { status: 'accepted'; transfer: PayerTransfer } {
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
  const { transfer } = choice
  if (transfer.amount < requirement.amount) {
    return refuse(
      'insufficient_amount',
      `The payer sent ${amountOf(transfer.amount, requirement)}; the price is ${amountOf(requirement.amount, requirement)}. Pay again in full.`,
    )
  }
  return { status: 'accepted', transfer }
}

function amountOf(amount: bigint, { asset }: PaymentRequirement): string {
  return `${formatAmount(amount, asset.decimals)} ${asset.symbol}`
}
