/** Request and response header names of the tx402 protocol (lower case, as Node delivers them). */
export const headerNames = {
  tx: 'x-payment-tx',
  chain: 'x-payment-chain',
  challenge: 'x-payment-challenge',
  proof: 'x-payment-proof',
  /** A prepaid credit token (docs/protocol.md section 7.3). */
  credit: 'x-payment-credit',
  paymentRequired: 'payment-required',
  paymentResponse: 'payment-response',
  /** The balance a response bought, topped up or spent (docs/protocol.md section 7.4). */
  paymentCredit: 'payment-credit',
} as const

/**
 * Each payment request header must be shorter than this many bytes (docs/protocol.md section 4.1).
 * The proof has room for a smart wallet's ERC-1271 signature (a passkey wallet's WebAuthn
 * assertion is about 1 KiB, an ERC-6492 wrapper around it 2 to 3 KiB); the challenge for the
 * server's own signed terms; a credit token for what it names; the rest stay tight. All five
 * together stay far below Node's 16 KiB
 * header limit.
 */
export const maxPaymentHeaderBytes = {
  [headerNames.tx]: 128,
  [headerNames.chain]: 128,
  [headerNames.challenge]: 2048,
  [headerNames.proof]: 8192,
  [headerNames.credit]: 512,
} as const

/**
 * The request headers a payment travels in (docs/protocol.md section 4.1), for an adapter to pick out
 * of a request: what `PaymentRequest.headers` carries.
 *
 * @example const picked = rawHeaders.filter((name) => paymentRequestHeaders.includes(name.toLowerCase()))
 */
export const paymentRequestHeaders: readonly string[] = [
  headerNames.tx,
  headerNames.chain,
  headerNames.challenge,
  headerNames.proof,
  headerNames.credit,
]

/** The protocol version this package speaks. */
export const protocolVersion = 1
