import { maxPaymentHeaderBytes } from '@tx402/core'
import type { Expected } from './hostileRequest.js'

// The payment headers (docs/protocol.md), and what a correct server answers to each kind of request.
export const txName = 'x-payment-tx'
export const chainName = 'x-payment-chain'
export const challengeName = 'x-payment-challenge'
export const proofName = 'x-payment-proof'
export const paymentNames = [txName, chainName, challengeName, proofName] as const

export const bad: Expected = { statuses: [400], errors: ['invalid_payment_headers'] }
export const challengeInvalid: Expected = { statuses: [402], errors: ['challenge_invalid'] }
export const noPayment: Expected = { statuses: [402], errors: ['payment_required'] }
/** A verdict after verification; 409 and 429 when limits or a concurrent request intervene. */
export const verdict = (...errors: string[]): Expected => ({
  statuses: [402, 409, 429],
  errors: [...errors, 'payment_in_progress', 'rate_limited'],
})
/** A request a correct chain lookup answers as `base`: the protocol's case-insensitive names. */
export const isOurChain = (value: string) => /^[ \t]*(?:base|eip155:8453)[ \t]*$/i.test(value)
/** What `normalizeTxId` accepts (docs/protocol.md section 1): 32 bytes of hex, `0x` optional. */
export const isTxHash = (value: string) => /^[ \t]*(?:0[xX])?[0-9a-fA-F]{64}[ \t]*$/.test(value)
/** docs/protocol.md 4.1: printable ASCII, under the header's limit, one value without commas. */
export const wellShaped = (value: string, name: keyof typeof maxPaymentHeaderBytes) => {
  const trimmed = value.replace(/^[ \t]+|[ \t]+$/g, '')
  return (
    /^[\x21-\x7e]+$/.test(trimmed) &&
    trimmed.length < maxPaymentHeaderBytes[name] &&
    !trimmed.includes(',')
  )
}
/** What fetch sends unchanged: visible ASCII inside, no edge whitespace to normalize away. */
export const fetchable = (value: string | Buffer) =>
  typeof value === 'string' && /^(?:[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?)?$/.test(value)
