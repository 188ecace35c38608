import type { Ledger } from '../ledger.js'
import type { PaymentKey } from '../paymentKey.js'
import { buyCredit, type Purchase } from './buyCredit.js'
import { checkCreditToken } from './creditRefusals.js'
import { paymentCreditHeaders } from './creditResponse.js'
import { type CreditTokenClaims, issueCreditToken } from './creditToken.js'
import type { HoldSettler } from './leaseSettler.js'
import type { CreditReceipt, PaidOutcome, ReplayOutcome, RespondOutcome } from './outcome.js'
import type { Refusal } from './refusal.js'
import { spendCredit } from './spendCredit.js'
import type { Attempt, Logger, Route, Trace, Verified } from './types.js'

/**
 * The credit steps of one route (docs/protocol.md section 7), for the composition: check a
 * presented token (no I/O), spend it, or let a payment buy or top up credit. A route that sells
 * no credit refuses tokens and buys nothing.
 *
 * @example
 * const credit = creditSteps(route, ledger, settler.holds, logger)
 * const claims = credit.check(attempt.credit)
 */
export function creditSteps(
  route: Route,
  ledger: Ledger,
  settler: HoldSettler,
  logger: Pick<Logger, 'warn'>,
) {
  const key = route.keys[0]!
  return {
    /** The token's claims, its refusal, or undefined when none was sent. */
    check(raw: string | undefined): CreditTokenClaims | Refusal | undefined {
      return raw === undefined ? undefined : checkCreditToken(route.keys, route.credit, raw)
    },
    /** Spends `claims` (a checked token): the paid outcome or a refusal; throws a ledger fault. */
    spend(
      claims: CreditTokenClaims,
      trace: Trace,
      unavailable: (cause: unknown) => RespondOutcome,
    ): Promise<PaidOutcome | Refusal> {
      // check() refused tokens on routes without credit, so both are here.
      const dependencies = {
        credit: route.credit!,
        ledger: ledger.credit!,
        offers: route.offers,
        key,
        ttlMs: route.claimTtlMs,
        settler,
        logger,
        unavailable,
      }
      return spendCredit(dependencies, claims, trace)
    },
    /** What a verified payment buys, if anything; throws a ledger fault. */
    async buy(
      attempt: Attempt,
      verified: Verified,
      claims: CreditTokenClaims | undefined,
      trace: Trace,
    ): Promise<Purchase | Refusal | undefined> {
      if (!route.credit || !ledger.credit) return undefined
      const purchase = await buyCredit(
        { credit: route.credit, ledger: ledger.credit, key },
        attempt,
        verified,
        claims,
      )
      if (purchase && 'grant' in purchase) trace.balance = purchase.grant.balanceId
      return purchase
    },
    /**
     * A re-delivery of a payment that bought or topped up credit carries `PAYMENT-CREDIT` again
     * (the payer may have lost the first one, and with it the token): the balance its commit
     * granted, read from the consumed row (never derived again: a secret rotated since, or terms
     * changed since, must not lose it), as it stands now, with a token signed by today's first
     * secret. Two lookups; throws a ledger fault.
     */
    async redelivered<O extends PaidOutcome | ReplayOutcome>(
      outcome: O,
      attempt: Attempt,
      payment: PaymentKey,
    ): Promise<O> {
      if (!route.credit || !ledger.credit) return outcome
      const granted = (await ledger.findDelivered(payment))?.credit
      if (!granted) return outcome
      const balance = await ledger.credit.find(granted.balanceId)
      if (!balance) return outcome
      const owner = {
        balanceId: balance.id,
        scope: balance.scope,
        network: balance.network,
        asset: balance.asset,
        payer: balance.payer,
      }
      const receipt: CreditReceipt = {
        use: 'bought',
        balanceId: balance.id,
        charged: 0n,
        remaining: balance.remaining,
        expiresAt: balance.expiresAt,
      }
      const headers = paymentCreditHeaders(
        issueCreditToken(key, owner),
        attempt.offer,
        receipt,
        balance.scope,
      )
      return { ...outcome, headers: { ...outcome.headers, ...headers } }
    },
  }
}
