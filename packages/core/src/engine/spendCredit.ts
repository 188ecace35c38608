import { assetId } from '../assetId.js'
import type { CreditLedger, CreditSpend } from '../credit.js'
import type { ResolvedOffer } from '../price.js'
import { keepAlive } from './claimHeartbeat.js'
import type { CreditTerms } from './creditOffer.js'
import { creditRefusals } from './creditRefusals.js'
import { paymentCreditHeaders } from './creditResponse.js'
import { type CreditTokenClaims, issueCreditToken } from './creditToken.js'
import type { Hold, HoldSettler } from './leaseSettler.js'
import type { CreditReceipt, PaidOutcome, PaymentReceipt, RespondOutcome } from './outcome.js'
import { type Refusal, refuse } from './refusal.js'
import { settledOutcome, settlement } from './settlement.js'
import type { Logger, Trace } from './types.js'

/** What `spendCredit` needs of the route. */
export interface SpendDependencies {
  credit: CreditTerms
  ledger: CreditLedger
  offers: readonly ResolvedOffer[]
  /** The signing key (the first secret), to hand the token back re-signed with it. */
  key: Uint8Array
  /** How long a reservation lives without renewal; renewed every third of it. */
  ttlMs: number
  settler: HoldSettler
  logger: Pick<Logger, 'warn'>
  /** The 503 answer to give when the ledger fails, logged as a fault. */
  unavailable(cause: unknown): RespondOutcome
}

/**
 * Spending (docs/protocol.md section 7.3), for a token `checkCreditToken` passed: no RPC, one
 * atomic `reserve` of the route's price on the balance's network and asset (and the route's payTo
 * there: a balance opened by a payment to another payee is not this route's), then the `paid`
 * outcome whose `confirm` / `settle` / `finish` commit the spend for a delivered response and give
 * it back otherwise (`settlement`, the rules of a payment), renewed while the handler runs. An
 * unknown balance is `credit_invalid`, too little `credit_exhausted`, a lapsed one
 * `credit_expired`. Throws the ledger's fault: 503, nothing spent.
 *
 * @example const outcome = await spendCredit(deps, claims, trace)
 */
export async function spendCredit(
  dependencies: SpendDependencies,
  claims: CreditTokenClaims,
  trace: Trace,
): Promise<PaidOutcome | Refusal> {
  const { credit, ledger, ttlMs } = dependencies
  const offer = dependencies.offers.find(
    (o) => o.plugin.network === claims.network && assetId(o.requirement.asset) === claims.asset,
  )
  trace.balance = claims.balanceId
  trace.payer = claims.payer
  trace.network = claims.network
  if (!offer) {
    return creditRefusals.invalid(
      'This credit is in an asset or on a network this route does not take.',
    )
  }
  const price = offer.requirement.amount
  trace.chain = offer.plugin.name
  trace.amount = price.toString()
  // Counted from before the request is sent, on this clock: the reservation lasts at least this.
  const sent = Date.now()
  const reserved = await ledger.reserve({
    balanceId: claims.balanceId,
    scope: credit.scope,
    network: claims.network,
    asset: claims.asset,
    // A balance is spent only where its opening payment's payee is paid (several payees, one secret).
    payTo: offer.requirement.payTo,
    amount: price,
    ttlMs,
  })
  if (reserved.status === 'pending') {
    // The payment that buys this balance is committed once its response was delivered; a payer
    // quick to spend the token it just read can arrive first. Wait, never drop the token.
    return refuse(
      'payment_in_progress',
      'The payment that buys this credit is still being settled. Retry after Retry-After seconds.',
      1,
    )
  }
  if (reserved.status === 'unknown') {
    return creditRefusals.invalid('This credit token names no balance this route can spend.')
  }
  if (reserved.status === 'expired') return creditRefusals.expired()
  if (reserved.status === 'exhausted') {
    return creditRefusals.exhausted(reserved.remaining, price, offer.requirement.asset)
  }
  const { spend } = reserved
  const receipt: CreditReceipt = {
    use: 'spent',
    balanceId: claims.balanceId,
    charged: price,
    remaining: reserved.remaining,
    expiresAt: reserved.expiresAt,
  }
  const payment: PaymentReceipt = {
    chain: offer.plugin.name,
    network: offer.plugin.network,
    transaction: '',
    payer: claims.payer,
    payTo: offer.requirement.payTo,
    asset: offer.requirement.asset,
    amount: price,
    credit: receipt,
  }
  const label = { balance: claims.balanceId }
  const heartbeat = keepAlive(
    { renew: (ttl) => ledger.renew(spend, ttl), expiresAt: sent + ttlMs, label },
    ttlMs,
    dependencies.logger,
  )
  const settled = settlement({
    hold: spendHold(ledger, spend, label),
    heartbeat,
    settler: dependencies.settler,
    unavailable: dependencies.unavailable,
  })
  const token = issueCreditToken(dependencies.key, claims)
  // No re-delivery of credited responses: nothing is kept.
  return settledOutcome(
    payment,
    paymentCreditHeaders(token, offer, receipt, credit.scope),
    settled,
    undefined,
  )
}

function spendHold(ledger: CreditLedger, spend: CreditSpend, label: object): Hold {
  return { commit: () => ledger.commit(spend), release: () => ledger.release(spend), label }
}
