import type { Network } from './protocol/types.js'

/**
 * What identifies one payment in the ledger (docs/protocol.md section 1): one payer's transfer to one
 * payee in one transaction. Two payers in one transaction (a batch, an ERC-4337 bundle) are two
 * payments; one transaction paying two payees is two payments. Structured, never a joined string
 * that has to be split again.
 */
export interface PaymentKey {
  /** CAIP-2 network id. */
  network: Network
  /** The canonical transaction id (the chain plugin's `normalizeTxId`). */
  txId: string
  /** The payee, as the chain plugin spells it (EIP-55 address, base58 owner key). */
  payTo: string
  /** The payer, as the chain plugin spells it. */
  payer: string
}

/**
 * The key of a payment, from its parts.
 *
 * @example paymentKey({ network: 'eip155:8453', txId: '0xab…', payTo: '0xBe…', payer: '0x12…' })
 */
export function paymentKey(parts: PaymentKey): PaymentKey {
  return { network: parts.network, txId: parts.txId, payTo: parts.payTo, payer: parts.payer }
}

/**
 * One string per payment key, for maps and cache entries (a JSON array, so no part can run into
 * another). Never parsed back: stores read the structured key.
 *
 * @example cache.set(paymentKeyId(key), 'consumed')
 */
export function paymentKeyId(key: PaymentKey): string {
  return JSON.stringify([key.network, key.txId, key.payTo, key.payer])
}

/**
 * True when two keys name the same payment.
 *
 * @example samePayment(lease.key, recordKey) // true
 */
export function samePayment(a: PaymentKey, b: PaymentKey): boolean {
  return a.network === b.network && a.txId === b.txId && a.payTo === b.payTo && a.payer === b.payer
}
