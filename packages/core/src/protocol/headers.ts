/** Request and response header names of the tx402 protocol (lower case, as Node delivers them). */
export const headerNames = {
  tx: 'x-payment-tx',
  chain: 'x-payment-chain',
  challenge: 'x-payment-challenge',
  proof: 'x-payment-proof',
  paymentRequired: 'payment-required',
  paymentResponse: 'payment-response',
} as const

/** Each payment request header must be shorter than this many bytes (PROTOCOL.md section 4.1). */
export const maxPaymentHeaderBytes = 512

/** The protocol version this package speaks. */
export const protocolVersion = 1
