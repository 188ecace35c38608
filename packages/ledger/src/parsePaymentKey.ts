import { InvalidLedgerKeyError } from './errors.js'

/**
 * Splits a ledger key made by core's `paymentKey` back into its network and tx id. A CAIP-2
 * network is `namespace:reference` with no other colon, so the tx id starts after the second one.
 *
 * @example parsePaymentKey('eip155:8453:0xabc…') // { network: 'eip155:8453', txId: '0xabc…' }
 */
export function parsePaymentKey(key: string): { network: string; txId: string } {
  const first = key.indexOf(':')
  const second = first > 0 ? key.indexOf(':', first + 1) : -1
  if (second <= first + 1 || second === key.length - 1) {
    throw new InvalidLedgerKeyError('A ledger key must be `namespace:reference:txId`.', {
      details: `got ${JSON.stringify(key.slice(0, 200))}`,
    })
  }
  return { network: key.slice(0, second), txId: key.slice(second + 1) }
}
