import { bytesToHex } from '@noble/hashes/utils'
import { assetId } from '../assetId.js'
import { sha256OfText } from '../challenge/hmacSha256.js'
import type { CreditGrant, CreditLedger } from '../credit.js'
import type { Ledger } from '../ledger.js'
import { paymentKey } from '../paymentKey.js'
import { paymentCreditHeaders } from './creditResponse.js'
import type { CreditReceipt, PaidOutcome, ReplayOutcome } from './outcome.js'
import { creditRefusals } from './schemes/credit/creditRefusals.js'
import { type CreditTokenClaims, issueCreditToken } from './schemes/credit/creditToken.js'
import type { EnginePayment, Refusal, Route } from './types.js'

/** Credit a verified payment buys: the grant its commit applies, and what the response says. */
export interface Purchase {
  grant: CreditGrant
  receipt: CreditReceipt
  /** `PAYMENT-CREDIT`. */
  headers: Record<string, string>
  /** The credit token of the balance. */
  token: string
}

/** Whose credit, where: what a top-up must match. */
interface Owner {
  scope: string
  network: string
  asset: string
  payer: string
}

/**
 * Buying and topping up (docs/protocol.md section 7.2): a payment of at least the offer's
 * smallest pack grants what it brought beyond this request's price, to a new balance (its
 * 128-bit id derived from the payment, so a retry of the same payment names the same balance:
 * `purchasedBalanceId`), or, with a valid token of the same payer,
 * network and asset, to that balance (read once; another payer's, network's, asset's or payee's is
 * `credit_invalid`, an expired one `credit_expired`, both before anything is claimed; its expiry
 * moves to a new pack's when later). Undefined for a smaller payment: it pays for its request
 * only. Throws the ledger's fault.
 *
 * @example const purchase = await buyCredit(route, { ledger: route.ledger.credit, payment, token })
 */
export async function buyCredit(
  route: Pick<Route, 'credit' | 'keys'>,
  {
    ledger,
    payment,
    token,
  }: { ledger: CreditLedger; payment: EnginePayment; token: CreditTokenClaims | undefined },
): Promise<Purchase | Refusal | undefined> {
  const { credit } = route
  const { offer, requirement } = payment
  if (!credit || !offer || !requirement) return undefined
  const key = route.keys[0]!
  const txId = payment.id
  const verified = payment
  const packs = credit.packs.get(offer)
  if (!packs || verified.amount < packs.smallest) return undefined
  // The price is the answered challenge's (old terms honoured), the packs are today's: a payment
  // of a pack that is exactly an older, higher price leaves nothing to grant. It paid for its
  // request, as any payment below a pack does; a 0 grant would be refused by the ledger.
  // Likewise a payment to a payee the route no longer pays: a balance opened there could never be
  // spent here (a spend reserves at today's payTo).
  const amount = verified.amount - requirement.amount
  if (amount <= 0n || requirement.payTo !== offer.requirement.payTo) return undefined
  const network = offer.plugin.network
  const asset = assetId(requirement.asset)
  const owner: Owner = { scope: credit.scope, network, asset, payer: verified.payer }
  // A top-up restarts the clock too: what it adds lasts as long as a pack bought now.
  const expiresAt = credit.expiresInMs === undefined ? undefined : Date.now() + credit.expiresInMs
  let receipt: CreditReceipt
  if (token) {
    const mismatch = (a: Owner) =>
      a.scope !== owner.scope ||
      a.network !== network ||
      a.asset !== asset ||
      a.payer !== verified.payer
    if (mismatch(token)) {
      return creditRefusals.invalid(
        'This credit token is for another payer, network or asset than this payment.',
      )
    }
    const balance = await ledger.find(token.balanceId)
    // Also the payee: a payment to this route's payTo never tops up a balance opened at another.
    if (!balance || mismatch(balance) || balance.payTo !== requirement.payTo) {
      return creditRefusals.invalid('This credit token names no balance this payment can top up.')
    }
    if (balance.expiresAt !== undefined && balance.expiresAt <= Date.now()) {
      return creditRefusals.expired()
    }
    receipt = {
      use: 'topped_up',
      balanceId: balance.id,
      charged: 0n,
      remaining: balance.remaining + amount,
      expiresAt: laterExpiry(balance.expiresAt, expiresAt),
    }
  } else {
    const balanceId = purchasedBalanceId({
      scope: credit.scope,
      network,
      txId,
      payTo: requirement.payTo,
      payer: verified.payer,
    })
    receipt = { use: 'bought', balanceId, charged: 0n, remaining: amount, expiresAt }
  }
  const { balanceId } = receipt
  const issued = issueCreditToken(key, { balanceId, ...owner })
  return {
    grant: { balanceId, ...owner, amount, expiresAt },
    receipt,
    headers: paymentCreditHeaders(issued, offer, receipt, credit.scope),
    token: issued,
  }
}

/**
 * The id of the balance a payment opens: SHA-256 over the scope and the payment's ledger key,
 * first 128 bits in hex. The same on every retry of that payment, in every version and under
 * every secret (no key in it: a rotation must not rename a balance), so a claim taken over after
 * a crash names the balance whose token the payer may already hold. Knowing an id grants
 * nothing: only a token signed by the server spends it. A re-delivery never derives it: it reads
 * the balance the commit granted from the consumed row (`redeliveredCredit`).
 *
 * @example purchasedBalanceId({ scope: 'default', network: 'eip155:8453', txId, payTo, payer }) // '9f2c…' (32 hex)
 */
export function purchasedBalanceId(payment: {
  scope: string
  network: string
  txId: string
  payTo: string
  payer: string
}): string {
  // The scope too: the same payment presented on a route of another scope names another balance.
  const { scope, network, txId, payTo, payer } = payment
  const named = `k1.balance.${scope}.${network}.${txId}.${payTo}.${payer}`
  return bytesToHex(sha256OfText(named).slice(0, 16))
}

/** A top-up never shortens a balance's life: the later expiry, undefined (never) winning. */
function laterExpiry(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined || b === undefined ? undefined : Math.max(a, b)
}

/**
 * A re-delivery of a payment that bought or topped up credit carries `PAYMENT-CREDIT` again
 * (the payer may have lost the first one, and with it the token): the balance its commit
 * granted, read from the consumed row (never derived again: a secret rotated since, or terms
 * changed since, must not lose it), as it stands now, with a token signed by today's first
 * secret. Two lookups; throws a ledger fault.
 *
 * @example return redeliveredCredit(route, { outcome, payment })
 */
export async function redeliveredCredit<O extends PaidOutcome | ReplayOutcome>(
  route: Pick<Route, 'credit' | 'keys'> & { ledger: Ledger },
  { outcome, payment }: { outcome: O; payment: EnginePayment },
): Promise<O> {
  const { ledger, credit } = route
  const { offer } = payment
  if (!credit || !ledger.credit || !offer) return outcome
  const granted = (await ledger.findDelivered(paymentKey({ ...payment, txId: payment.id })))?.credit
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
    issueCreditToken(route.keys[0]!, owner),
    offer,
    receipt,
    balance.scope,
  )
  return { ...outcome, headers: { ...outcome.headers, ...headers } }
}
