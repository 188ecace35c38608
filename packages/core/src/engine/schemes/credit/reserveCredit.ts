import type { CreditLedger, CreditSpend } from '../../../credit.js'
import type { ResolvedOffer } from '../../../price.js'
import { keepAlive } from '../../claimHeartbeat.js'
import { paymentCreditHeaders } from '../../creditResponse.js'
import type { Hold } from '../../leaseSettler.js'
import type { CreditReceipt } from '../../outcome.js'
import { refuse } from '../../refusal.js'
import type { EnginePayment, Refusal, Route, SchemeAttempt } from '../../types.js'
import { creditRefusals } from './creditRefusals.js'
import { type CreditTokenClaims, issueCreditToken } from './creditToken.js'

/** A request spending credit: `x-payment-credit` alone, its token checked, its offer found. */
export interface CreditAttempt extends SchemeAttempt {
  claims: CreditTokenClaims
  /** The route's offer on the balance's network and asset: its price is what a spend takes. */
  offer: ResolvedOffer
}

/**
 * Spending (docs/protocol.md section 7.3), for a token `checkCreditToken` passed: no RPC, one
 * atomic `reserve` of the route's price on the balance's network and asset (and the route's payTo
 * there: a balance opened by a payment to another payee is not this route's), held (renewed
 * while the handler runs) for the engine to commit for a delivered response and give back
 * otherwise, as it does a payment. An unknown balance is `credit_invalid`, too little
 * `credit_exhausted`, a lapsed one `credit_expired`. Throws the ledger's fault: 503, nothing spent.
 *
 * @example const payment = await reserveCredit(route, { attempt, ledger: route.ledger.credit! })
 */
export async function reserveCredit(
  route: Pick<Route, 'credit' | 'keys' | 'claimTtlMs' | 'logger'>,
  { attempt, ledger }: { attempt: CreditAttempt; ledger: CreditLedger },
): Promise<EnginePayment | Refusal> {
  const { claims, offer } = attempt
  const ttlMs = route.claimTtlMs
  const price = offer.requirement.amount
  // Counted from before the request is sent, on this clock: the reservation lasts at least this.
  const sent = Date.now()
  const reserved = await ledger.reserve({
    balanceId: claims.balanceId,
    scope: route.credit!.scope,
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
  const label = { balance: claims.balanceId }
  const heartbeat = keepAlive(
    { renew: (ttl) => ledger.renew(spend, ttl), expiresAt: sent + ttlMs, label },
    ttlMs,
    route.logger,
  )
  const token = issueCreditToken(route.keys[0]!, claims)
  return {
    chain: offer.plugin.name,
    network: offer.plugin.network,
    id: '',
    payer: claims.payer,
    payTo: offer.requirement.payTo,
    asset: offer.requirement.asset,
    amount: price,
    held: {
      hold: spendHold(ledger, spend, label),
      heartbeat,
      credit: receipt,
      headers: paymentCreditHeaders(token, offer, receipt, route.credit!.scope),
    },
  }
}

function spendHold(ledger: CreditLedger, spend: CreditSpend, label: object): Hold {
  return { commit: () => ledger.commit(spend), release: () => ledger.release(spend), label }
}
