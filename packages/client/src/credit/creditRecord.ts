import { decodeBase64Json, headerNames, type PaymentCredit } from '@tx402/core/protocol'

/**
 * A prepaid credit balance the client holds a token for (docs/protocol.md section 7), as kept in
 * the journal: the token is sent only to `origin`, and only for routes that offer credit of the
 * same `scope`, network and asset.
 */
export interface CreditRecord {
  /** Scheme, host and port of the server that issued the token, e.g. `https://api.example.com`. */
  origin: string
  /** The offer's `scope` (`''` when the server names none). */
  scope: string
  network: string
  /** Contract address, mint or `native`, as the server wrote it. */
  asset: string
  /** The bearer token of `PAYMENT-CREDIT`. Never logged, never sent to another origin. */
  token: string
  /** Base units left after the last answer, decimal string. */
  remaining: string
  /** ISO 8601 expiry; absent when the balance does not expire. */
  expiresAt?: string
  /** Unix ms of the last answer that updated it. */
  updatedAt: number
  /**
   * `METHOD /path` of the routes that last took it (at most 32): the next request to one of them
   * is sent with the token at once, without waiting for a 402 first.
   */
  resources?: string[]
}

/** The balance a caller sees: `CreditRecord` without the token, amounts as bigint base units. */
export interface CreditBalance {
  origin: string
  scope: string
  network: string
  asset: string
  /** Base units left. */
  remaining: bigint
  /** When the balance expires; undefined: never. */
  expiresAt?: Date
}

/**
 * The journal key of a balance: one token per origin, scope, network and asset.
 *
 * @example creditKey({ origin: 'https://api.example.com', scope: '', network: 'eip155:8453', asset: '0x83…' })
 */
export function creditKey(r: Pick<CreditRecord, 'origin' | 'scope' | 'network' | 'asset'>): string {
  return `${r.origin} ${r.scope} ${r.network.toLowerCase()} ${r.asset.toLowerCase()}`
}

/**
 * The content of a response's `PAYMENT-CREDIT` header, or undefined when it has none or it is
 * not well formed (amounts must be base-unit integers).
 *
 * @example const credit = readPaymentCredit(response.headers.get('payment-credit'))
 */
export function readPaymentCredit(header: string | null | undefined): PaymentCredit | undefined {
  if (!header) return undefined
  try {
    const value = decodeBase64Json<PaymentCredit>(header)
    const integer = /^(0|[1-9][0-9]*)$/
    if (typeof value?.token !== 'string' || value.token === '') return undefined
    if (typeof value.network !== 'string' || typeof value.asset !== 'string') return undefined
    if (typeof value.remaining !== 'string' || !integer.test(value.remaining)) return undefined
    if (value.charged !== undefined && !integer.test(String(value.charged))) return undefined
    return value
  } catch {
    return undefined
  }
}

/**
 * The credit balance a response reports (its `PAYMENT-CREDIT`), without the token: what a
 * bought, topped-up or credited response left. Undefined when the response carries none.
 *
 * @example
 * const res = await paidFetch(url)
 * const balance = creditBalanceOf(res) // { remaining: 970000n, expiresAt: Date, … }
 */
export function creditBalanceOf(
  response: { headers: { get(name: string): string | null } },
  origin = '',
): CreditBalance | undefined {
  const credit = readPaymentCredit(response.headers.get(headerNames.paymentCredit))
  return credit && toBalance({ ...recordOf(credit, origin, credit.scope ?? ''), origin })
}

/** A journal record for what a server answered in `PAYMENT-CREDIT`. */
export function recordOf(credit: PaymentCredit, origin: string, scope: string): CreditRecord {
  return {
    origin,
    scope: credit.scope ?? scope,
    network: credit.network,
    asset: credit.asset,
    token: credit.token,
    remaining: credit.remaining,
    ...(credit.expiresAt ? { expiresAt: credit.expiresAt } : {}),
    updatedAt: Date.now(),
  }
}

/** The caller's view of a record (no token). */
export function toBalance(record: CreditRecord): CreditBalance {
  const expiresAt = record.expiresAt ? new Date(record.expiresAt) : undefined
  return {
    origin: record.origin,
    scope: record.scope,
    network: record.network,
    asset: record.asset,
    remaining: BigInt(record.remaining),
    ...(expiresAt && !Number.isNaN(expiresAt.getTime()) ? { expiresAt } : {}),
  }
}
