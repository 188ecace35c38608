import { headerNames, maxPaymentHeaderBytes } from '../protocol/headers.js'

/** Request headers by lower-case name, each with every value the client sent. */
export type RequestHeaders = Readonly<Record<string, readonly string[] | undefined>>

/** The payment headers of a request, checked for shape only (not yet for meaning). */
export type PaymentHeaders =
  | { kind: 'none' }
  | { kind: 'invalid'; message: string }
  | { kind: 'credit'; credit: string }
  | {
      kind: 'payment'
      tx: string
      chain: string
      challenge?: string
      proof?: string
      /** A credit token to top up (docs/protocol.md section 7.2). */
      credit?: string
    }

const encoder = new TextEncoder()
// Printable ASCII only: ids, chain names, signatures and challenges never need more.
const printable = /^[\x21-\x7e]+$/

/**
 * Reads `x-payment-tx`, `x-payment-chain`, `x-payment-challenge`, `x-payment-proof` and
 * `x-payment-credit`: each at most once, under its size limit (`maxPaymentHeaderBytes`: 128
 * bytes for the transaction and chain, 2 KiB for the challenge, 8 KiB for the proof, 512 bytes
 * for the credit token), printable, without commas (a comma means a joined duplicate). A credit
 * token alone is `kind: 'credit'` (a spend); with a payment, a top-up.
 */
export function readPaymentHeaders(headers: RequestHeaders): PaymentHeaders {
  // Most requests to a paid route carry none (each 402 is one): nothing to check.
  if (!hasAny(headers)) return none
  // Each scheme reads the same request's headers: they are checked once.
  let known = parsed.get(headers)
  if (!known) {
    known = parse(headers)
    parsed.set(headers, known)
  }
  return known
}

const parsed = new WeakMap<RequestHeaders, PaymentHeaders>()

function parse(headers: RequestHeaders): PaymentHeaders {
  const tx = read(headers, headerNames.tx)
  const chain = read(headers, headerNames.chain)
  const challenge = read(headers, headerNames.challenge)
  const proof = read(headers, headerNames.proof)
  const credit = read(headers, headerNames.credit)
  const error = tx.error ?? chain.error ?? challenge.error ?? proof.error ?? credit.error
  if (error) return { kind: 'invalid', message: error }

  const present =
    sent(headers, headerNames.tx) ||
    sent(headers, headerNames.chain) ||
    sent(headers, headerNames.challenge) ||
    sent(headers, headerNames.proof)
  if (!present) return credit.value ? { kind: 'credit', credit: credit.value } : { kind: 'none' }
  if (!tx.value || !chain.value) {
    return {
      kind: 'invalid',
      message: `Send both ${headerNames.tx} (the transaction) and ${headerNames.chain} (the chain it was paid on).`,
    }
  }
  return {
    kind: 'payment',
    tx: tx.value,
    chain: chain.value,
    ...(challenge.value ? { challenge: challenge.value } : {}),
    ...(proof.value ? { proof: proof.value } : {}),
    ...(credit.value ? { credit: credit.value } : {}),
  }
}

const none: PaymentHeaders = Object.freeze({ kind: 'none' })

function hasAny(headers: RequestHeaders): boolean {
  for (const name in headers) if (headers[name]?.length) return true
  return false
}

// One header: at most once, under its size limit, one printable value. A function of its own,
// not a closure per request.
function read(
  headers: RequestHeaders,
  name: keyof typeof maxPaymentHeaderBytes,
): { value?: string; error?: string } {
  const values = headers[name]
  if (!values || values.length === 0) return absent
  if (values.length > 1) return { error: `Send ${name} once; it was sent ${values.length} times.` }
  const value = values[0]!.trim()
  const limit = maxPaymentHeaderBytes[name]
  // UTF-8 takes 1 to 3 bytes per UTF-16 code unit: encoded only when the length cannot tell.
  if (
    value.length >= limit ||
    (value.length * 3 >= limit && encoder.encode(value).length >= limit)
  ) {
    return { error: `${name} must be under ${limit} bytes.` }
  }
  if (value.includes(',')) return { error: `${name} must hold one value, without commas.` }
  if (!printable.test(value)) {
    return { error: `${name} must be a non-empty value of printable ASCII characters.` }
  }
  return { value }
}

const absent: { value?: string; error?: string } = Object.freeze({})

function sent(headers: RequestHeaders, name: string): boolean {
  return (headers[name]?.length ?? 0) > 0
}
