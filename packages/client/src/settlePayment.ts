import {
  type AcceptOption,
  type ErrorCode,
  headerNames,
  type PaymentRequiredBody,
  proofMessage,
} from '@tx402/core'
import {
  BroadcastRejectedError,
  PaymentFailedError,
  PaymentRejectedError,
  PaymentTimeoutError,
} from './errors.js'
import { journalEntry, resourceKey } from './journal/journalEntry.js'
import type { JournalEntry, PaymentJournal } from './journal/types.js'
import type { Payer } from './payer.js'
import type { ResolvedPaymentOptions } from './paymentOptions.js'
import { isPaymentRequiredBody, readErrorBody } from './readErrorBody.js'
import { retryDelay, sleep } from './retryDelay.js'
import { findPayer, selectOption } from './selectOption.js'

/** One HTTP response as the payment flow sees it, whatever the HTTP client. */
export interface ExchangeResponse<R> {
  status: number
  header(name: string): string | null
  /** The body (text or parsed JSON), read without consuming what is returned to the caller. */
  body(): Promise<unknown>
  /** Frees a response that will not be returned. */
  discard(): void
  /** The HTTP client's own response object, returned to the caller. */
  raw: R
}

/** One request as the payment flow sees it: where it goes, and how to send it again. */
export interface Exchange<R> {
  /** The URL's origin, e.g. `https://api.example.com`. */
  origin: string
  method: string
  /** The URL's path, without query. */
  path: string
  /** Sends the original request again, with these headers added. */
  send(headers: Record<string, string>): Promise<ExchangeResponse<R>>
  signal?: AbortSignal | null | undefined
}

/** Answers the client retries the same transaction on, with backoff, until the deadline. */
const retryableCodes: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'payment_pending',
  'payment_in_progress',
  'verifier_unavailable',
  'rate_limited',
])
/**
 * `tx_not_found` is retried once, after its Retry-After (or this long without one): the server's RPC can lag
 * the payer's, which already saw the transaction confirmed, and the engine answers a repeat within
 * 5 s from memory. A second `tx_not_found` is a rejection: a transaction the server never sees is
 * dropped rather than presented forever.
 */
const notFoundRetryMs = 6_000

// Challenge ids being settled by a call in this process, per journal: another concurrent call
// must not present the same transaction for its own request.
const inUse = new WeakMap<PaymentJournal, Set<string>>()

/**
 * Turns the response to a request into a paid response. Anything but a tx402 402 is returned as
 * is. On a 402: presents an unsettled journaled payment for the same resource if there is one
 * (rebroadcasting its signed bytes if the chain lost them), else picks an option, checks the
 * spending cap, signs, journals, broadcasts, waits for confirmation and retries the request with
 * the payment headers. Never sends a second payment for one challenge.
 *
 * @example const response = await settlePayment(first, exchange, resolvePaymentOptions({ payers }))
 */
export async function settlePayment<R>(
  first: ExchangeResponse<R>,
  exchange: Exchange<R>,
  options: ResolvedPaymentOptions,
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
  const flow: Flow<R> = { exchange, journal, deadline }

  const unsettled = (await journal.list())
    .filter((entry) => entry.resource === resource && !claimed.has(entry.challengeId))
    .sort((a, b) => a.createdAt - b.createdAt)
  for (const entry of unsettled) {
    const payer = await findPayer(options.payers, entry.network)
    if (!payer || claimed.has(entry.challengeId)) continue
    claimed.add(entry.challengeId)
    try {
      if (!(await bringOnChain(flow, entry, payer, body))) continue
      const result: Presented<R> = await present(flow, entry, payer, body)
      if (result.kind === 'answered') return result.response
      // That transaction does not pay for this request: pay once against the fresh challenge.
      body = result.body
    } finally {
      claimed.delete(entry.challengeId)
    }
  }

  const { option, payer, maxAmount } = await selectOption(body.accepts, options)
  const payment = await payer.sign(option, { maxAmount })
  const entry = journalEntry({ challengeId: body.challenge.id, resource, option, payment })
  claimed.add(entry.challengeId)
  try {
    // Journaled before broadcast: a crash from here on leaves the same bytes to present.
    await journal.put(entry)
    await broadcast(flow, entry, payer)
    await confirm(flow, entry, payer, option)
    const result = await present(flow, entry, payer, body)
    if (result.kind === 'answered') return result.response
    throw result.error
  } finally {
    claimed.delete(entry.challengeId)
  }
}

interface Flow<R> {
  exchange: Exchange<R>
  journal: PaymentJournal
  deadline: number
}

type Presented<R> =
  | { kind: 'answered'; response: R }
  | { kind: 'rejected'; body: PaymentRequiredBody; error: PaymentRejectedError }

/** Makes sure a journaled payment is on chain and confirmed; false when it can never land. */
async function bringOnChain<R>(
  flow: Flow<R>,
  entry: JournalEntry,
  payer: Payer,
  body: PaymentRequiredBody,
): Promise<boolean> {
  if (entry.state === 'confirmed') return true
  const status = await payer.status(entry.payment)
  if (status === 'expired') {
    // Never sent, and it no longer can be: nothing was paid, so paying now is paying once.
    await flow.journal.delete(entry.challengeId)
    return false
  }
  if (status === 'missing') await broadcast(flow, entry, payer)
  else if (entry.state === 'signed') await record(flow, entry, 'broadcast')
  const option = body.accepts.find((o) => o.network.toLowerCase() === entry.network.toLowerCase())
  await confirm(flow, entry, payer, option ?? {})
  return true
}

async function broadcast<R>(flow: Flow<R>, entry: JournalEntry, payer: Payer): Promise<void> {
  try {
    await payer.broadcast(entry.payment)
  } catch (error) {
    // The bytes may have reached the node even though the call failed: ask the chain.
    const status = await payer.status(entry.payment).catch(() => undefined)
    if (status !== 'known') {
      if (status === 'expired' || error instanceof BroadcastRejectedError) {
        await flow.journal.delete(entry.challengeId)
        throw new PaymentFailedError(
          'The node refused the payment transaction; nothing was paid.',
          {
            cause: error,
          },
        )
      }
      // Unknown fate (network fault): kept journaled, the next call sends the same bytes.
      throw error
    }
  }
  await record(flow, entry, 'broadcast')
}

async function confirm<R>(
  flow: Flow<R>,
  entry: JournalEntry,
  payer: Payer,
  option: Pick<AcceptOption, 'minConfirmations' | 'commitment'>,
): Promise<void> {
  let landed: { txId: string }
  try {
    landed = await payer.confirm(entry.payment, option, flow.deadline)
  } catch (error) {
    if (error instanceof PaymentFailedError) await flow.journal.delete(entry.challengeId)
    throw error
  }
  if (landed.txId !== entry.payment.txId) {
    // Replaced by the wallet with the same payment under a new id: that one is presented.
    entry.payment = { ...entry.payment, txId: landed.txId, serialized: '' }
  }
  entry.state = 'confirmed'
  await flow.journal.put(entry)
}

async function present<R>(
  flow: Flow<R>,
  entry: JournalEntry,
  payer: Payer,
  body: PaymentRequiredBody,
): Promise<Presented<R>> {
  const { txId } = entry.payment
  const headers: Record<string, string> = {
    [headerNames.tx]: txId,
    [headerNames.chain]: entry.chain,
    [headerNames.challenge]: entry.challengeId,
  }
  const option = body.accepts.find((o) => o.network.toLowerCase() === entry.network.toLowerCase())
  if (option?.proofRequired) {
    const message = proofMessage({ network: entry.network, txId, challengeId: entry.challengeId })
    headers[headerNames.proof] = await payer.signProof(message)
  }
  let lastCode: ErrorCode | undefined
  let notFound = 0
  for (let attempt = 0; ; attempt++) {
    const response = await flow.exchange.send(headers)
    if (response.status < 400) {
      await flow.journal.delete(entry.challengeId)
      return { kind: 'answered', response: response.raw }
    }
    const error = readErrorBody(await response.body(), response.header(headerNames.paymentRequired))
    // The route's own error: the server released the payment, so the entry stays for reuse.
    if (!error) return { kind: 'answered', response: response.raw }
    const lagging = error.error === 'tx_not_found' && notFound++ === 0
    if (retryableCodes.has(error.error) || lagging) {
      lastCode = error.error
      const delay = retryDelay(response.header('retry-after'), attempt)
      // The engine says in Retry-After when it asks the chain again; older servers do not.
      const wait =
        lagging && !response.header('retry-after') ? Math.max(delay, notFoundRetryMs) : delay
      response.discard()
      if (Date.now() + wait > flow.deadline) {
        throw new PaymentTimeoutError({
          txId,
          lastCode,
          waiting: `the server to accept the payment (last answer: ${lastCode})`,
        })
      }
      await sleep(wait, flow.exchange.signal)
      continue
    }
    response.discard()
    await flow.journal.delete(entry.challengeId)
    const rejection = new PaymentRejectedError({
      code: error.error,
      message: error.message,
      status: response.status,
      txId,
    })
    if (response.status === 402 && isPaymentRequiredBody(error)) {
      return { kind: 'rejected', body: error, error: rejection }
    }
    throw rejection
  }
}

async function record<R>(
  flow: Flow<R>,
  entry: JournalEntry,
  state: JournalEntry['state'],
): Promise<void> {
  if (entry.state === state) return
  entry.state = state
  await flow.journal.put(entry)
}
