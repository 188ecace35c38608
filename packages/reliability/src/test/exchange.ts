import { decodeBase64Json, type PaymentRequiredBody } from '@tx402/core'
import type { Hash } from 'viem'
import type { ApiProcess } from './apiProcess.js'
import { findLeak } from './leaks.js'

/** When a request was sent, relative to the fault. */
export type Phase = 'before' | 'fault' | 'after' | 'recovery'

/**
 * What a request was: a challenge (no payment headers), a paid transaction presented, a paid
 * transaction held by `/api/hold`, or an unpaid probe expecting `expected`.
 */
export type Kind = 'challenge' | 'payment' | 'hold' | 'unpaid'

/** One request and its answer. */
export interface Exchange {
  kind: Kind
  /** For unpaid probes: what it tries (`random-hash`, `wrong-recipient`, `replay`…). */
  probe?: string
  /** For unpaid probes: the `error` a correct server answers. */
  expected?: string
  /** Canonical tx id, when the request carried one. */
  tx?: string
  api: ApiProcess
  phase: Phase
  /** HTTP status, or `no answer` (connection refused or reset). */
  status: number | 'no answer'
  /** `error` of the body. */
  error?: string
  /** On 200: the transaction the handler says it served. */
  served?: string
  /** On 200: `PAYMENT-RESPONSE` says it re-delivers a response already paid for. */
  redelivered?: boolean
  /** The Retry-After header, if any. */
  retryAfter?: string
  /** What the response leaked, if anything. */
  leak?: string
}

/** A paid transaction of this scenario. */
export interface Payment {
  tx: Hash
  /** The challenge it paid against; empty to present it without one. */
  challengeId: string
}

/**
 * Records an answer in `exchange`: its status, whether `PAYMENT-RESPONSE` says it re-delivers,
 * Retry-After, anything of `secrets` it leaked (body, headers, decoded `PAYMENT-REQUIRED`), the
 * body's `error` and `served`, and on 402 the body itself.
 *
 * @example recordAnswer(exchange, response, await response.text(), lab.secrets)
 */
export function recordAnswer(
  exchange: Exchange & { body?: PaymentRequiredBody },
  response: Response,
  text: string,
  secrets: readonly string[],
): void {
  exchange.status = response.status
  const paymentResponse = response.headers.get('payment-response')
  if (paymentResponse) {
    const receipt = decodeBase64Json<{ redelivered?: boolean }>(paymentResponse)
    if (receipt.redelivered) exchange.redelivered = true
  }
  const retryAfter = response.headers.get('retry-after')
  if (retryAfter) exchange.retryAfter = retryAfter
  const shown = [text]
  response.headers.forEach((value, name) => {
    shown.push(`${name}: ${value}`)
  })
  const required = response.headers.get('payment-required')
  if (required) shown.push(JSON.stringify(decodeBase64Json(required)))
  const leak = findLeak(shown.join('\n'), secrets)
  if (leak) exchange.leak = leak
  try {
    const body = JSON.parse(text) as { error?: string; served?: string }
    if (body.error) exchange.error = body.error
    if (body.served) exchange.served = body.served
    if (response.status === 402) exchange.body = body as PaymentRequiredBody
  } catch {
    // Not JSON: the checks flag the status.
  }
}
