import { headerNames, type PaymentRequiredBody } from '@tx402/core/protocol'
import { carriedOption, carriedTopUp } from './carriedPayment.js'
import { waitsOnHeldToken } from './credit/awaitedPurchase.js'
import type { CreditRecord } from './credit/creditRecord.js'
import { heldCredit, takes } from './credit/heldCredit.js'
import { presentCredit } from './credit/presentCredit.js'
import { PaymentRejectedError } from './errors.js'
import type { Exchange, ExchangeResponse, Flow } from './exchange.js'
import { journalEntry, resourceKey } from './journal/journalEntry.js'
import type { JournalEntry, PaymentJournal } from './journal/types.js'
import { bringOnChain, broadcast, confirm } from './onChain.js'
import type { ResolvedPaymentOptions } from './paymentOptions.js'
import { optionFor, type Presented, presentPayment } from './presentPayment.js'
import { isPaymentRequiredBody, readErrorBody } from './readErrorBody.js'
import { isSafeMethod } from './requestFingerprint.js'
import { findPayer, selectOption } from './selectOption.js'

export type { Exchange, ExchangeResponse } from './exchange.js'

// Challenge ids being settled by a call in this process, per journal: another concurrent call
// must not present the same transaction for its own request.
const inUse = new WeakMap<PaymentJournal, Set<string>>()

/**
 * Turns the response to a request into a paid response. Anything but a tx402 402 is returned as
 * is. On a 402: presents an unsettled journaled payment for the same resource if there is one
 * (rebroadcasting its signed bytes if the chain lost them), else picks an option, checks the
 * spending cap, signs, journals, broadcasts, waits for confirmation and retries the request with
 * the payment headers (see `presentPayment`: network errors and timeouts send the same headers
 * again, `tx_not_found` is waited out while the payer's RPC sees the payment). Never sends a
 * second payment in one call: once this call has paid, every ending is the response, a typed
 * error carrying the transaction, or the caller's abort. A redirect answered to the payment is
 * never followed with its headers: `exchange.follow` takes it (docs/protocol.md section 6.3),
 * and `carried`, a payment the redirecting route released, is presented at the target first
 * when the target's terms are what it paid.
 *
 * @example const response = await settlePayment(first, exchange, resolvePaymentOptions({ payers }))
 */
export async function settlePayment<R>(
  first: ExchangeResponse<R>,
  exchange: Exchange<R>,
  options: ResolvedPaymentOptions,
  carried?: JournalEntry,
): Promise<R> {
  if (first.status !== 402) return first.raw
  const challenge = readErrorBody(await first.body(), first.header(headerNames.paymentRequired))
  if (challenge?.error !== 'payment_required' || !isPaymentRequiredBody(challenge)) {
    return first.raw
  }
  first.discard()
  let body: PaymentRequiredBody = challenge

  const { journal } = options
  const resource = resourceKey(
    exchange.origin,
    body.resource.method || exchange.method,
    body.resource.path || exchange.path,
  )
  const deadline = Date.now() + options.timeoutMs
  const claimed = inUse.get(journal) ?? new Set<string>()
  inUse.set(journal, claimed)
  // Fingerprinted once, and only for methods whose re-delivery replays a kept response.
  let fingerprint: Promise<string | undefined> | undefined
  const request = () => {
    fingerprint ??= isSafeMethod(exchange.method)
      ? Promise.resolve(undefined)
      : (exchange.fingerprint?.() ?? Promise.resolve(undefined))
    return fingerprint
  }
  const flow: Flow<R> = {
    exchange,
    journal,
    deadline,
    notFoundWindowMs: options.notFoundWindowMs,
  }

  // Redirected: followed without payment headers, carrying a payment the route released.
  const follow = (redirect: ExchangeResponse<R>, released: JournalEntry | undefined) =>
    exchange.follow ? exchange.follow(redirect, released) : Promise.resolve(redirect.raw)

  const carriedAs = carried && carriedOption(carried, body, exchange.origin)
  const carrier = carriedAs && (await findPayer(options.payers, carried.network))
  if (carried && carrier && !claimed.has(carried.challengeId)) {
    // One transfer for the call: the payment moves to this resource in the journal.
    const { topUp: _, ...plain } = carried
    const topUp = await carriedTopUp(journal, carried, carriedAs)
    const moved: JournalEntry = { ...plain, resource, ...(topUp ? { topUp } : {}) }
    claimed.add(moved.challengeId)
    // Settled at the target, or dropped because it can never land (tx_not_found).
    let spent = false
    try {
      await journal.put(moved)
      const result = await presentPayment(flow, moved, carrier, body).catch((error) => {
        spent = error instanceof PaymentRejectedError && error.code === 'tx_not_found'
        throw error
      })
      spent = result.kind !== 'rejected' || result.error.code === 'tx_not_found'
      if (result.kind === 'answered') return result.response
      if (result.kind === 'redirected')
        return follow(result.response, result.charged ? undefined : moved)
      body = result.body
    } finally {
      claimed.delete(moved.challengeId)
      // Refused or not settled at the target: its own route released it and still honours it.
      if (!spent) await journal.put(returned(moved, carried))
    }
  }

  const unsettled = (await journal.list())
    .filter((entry) => entry.resource === resource && !claimed.has(entry.challengeId))
    .sort((a, b) => a.createdAt - b.createdAt)
  for (const entry of unsettled) {
    // A purchase whose token is still held: that token is spent below, which settles it.
    if (await waitsOnHeldToken(journal, entry)) continue
    const payer = await findPayer(options.payers, entry.network)
    if (!payer || claimed.has(entry.challengeId)) continue
    claimed.add(entry.challengeId)
    try {
      if (!(await bringOnChain(flow, entry, payer, optionFor(body, entry.network) ?? {}))) continue
      const result: Presented<R> = await presentPayment(flow, entry, payer, body)
      if (result.kind === 'redirected') {
        return follow(result.response, result.charged ? undefined : entry)
      }
      if (result.kind === 'answered') {
        if (!(result.redelivered && entry.request && entry.request !== (await request()))) {
          return result.response
        }
        // The kept response of the earlier request this payment was made for, not this one's:
        // that payment is spent (served), so this request is paid once, now. (Received whole
        // already: nothing to free.)
        continue
      }
      // That transaction does not pay for this request: pay once against the fresh challenge.
      body = result.body
    } finally {
      claimed.delete(entry.challengeId)
    }
  }

  // Credit this origin issued for the route is spent instead of paying (docs/protocol.md 7.3).
  let topUp: CreditRecord | undefined
  const held = exchange.sendCredited
    ? await heldCredit(journal, exchange.origin, body.accepts, options.preferredChains)
    : undefined
  if (held?.enough) {
    const spent = await presentCredit(flow, held.record)
    if (spent.kind === 'redirected') return follow(spent.response, undefined)
    if ('response' in spent) return spent.response
    if (spent.body) body = spent.body
    if (spent.kind === 'exhausted') topUp = held.record
  } else if (held) {
    topUp = held.record
  }

  // A pack is bought only where the token can be spent, and topped up only when allowed.
  const buying = topUp && options.credit?.topUp === false ? undefined : options.credit
  const { option, payer, maxAmount, pack } = await selectOption(body.accepts, {
    ...options,
    preferredChains: topUp
      ? [topUp.network, ...(options.preferredChains ?? [])]
      : options.preferredChains,
    // A token on a redirect a browser hides (opaque) could never be read: no pack is bought there.
    credit:
      exchange.sendCredited && (isSafeMethod(exchange.method) || !exchange.opaqueRedirects)
        ? buying
        : undefined,
  })
  const paid = pack === undefined ? option : { ...option, amount: pack.toString() }
  const payment = await payer.sign(paid, { maxAmount })
  const entry = journalEntry({
    challengeId: body.challenge.id,
    resource,
    option: paid,
    payment,
    request: await request(),
    topUp: pack !== undefined && topUp && takes(option, topUp) ? topUp.token : undefined,
  })
  claimed.add(entry.challengeId)
  try {
    // Journaled before broadcast: a crash from here on leaves the same bytes to present.
    await journal.put(entry)
    await broadcast(flow, entry, payer)
    await confirm(flow, entry, payer, option)
    const result = await presentPayment(flow, entry, payer, body)
    if (result.kind === 'answered') return result.response
    if (result.kind === 'redirected')
      return follow(result.response, result.charged ? undefined : entry)
    throw result.error
  } finally {
    claimed.delete(entry.challengeId)
  }
}

/**
 * A carried payment the redirect's target did not take, journaled again for the route it was
 * made for (with the top-up it had there), keeping any replacement transaction found meanwhile.
 */
function returned(moved: JournalEntry, carried: JournalEntry): JournalEntry {
  const { topUp: _, ...plain } = moved
  return {
    ...plain,
    resource: carried.resource,
    ...(carried.topUp ? { topUp: carried.topUp } : {}),
  }
}
