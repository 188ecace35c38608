import { type AcceptOption, type PaymentRequiredBody, parseBaseUnits } from '@tx402/core/protocol'
import { assetAddress, sameAddress } from './assets/knownAssets.js'
import type { JournalEntry } from './journal/types.js'

/**
 * The option of a redirect target's 402 that a payment its redirecting route released (a GET
 * answered 3xx, docs/protocol.md section 6.3) already meets: the same origin, network, asset and
 * payee, and a price no higher than what was paid. Presented there (with the challenge it was
 * made against, which binds it), the payer makes one transfer for the call. Undefined: the
 * target is paid as a new payment and the released one stays journaled for its own route.
 *
 * @example const option = carriedOption(entry, body, 'https://api.example.com')
 */
export function carriedOption(
  entry: JournalEntry,
  body: PaymentRequiredBody,
  origin: string,
): AcceptOption | undefined {
  if (!entry.resource.startsWith(`${origin} `) || entry.topUp) return undefined
  return body.accepts.find(
    (option) =>
      option.network.toLowerCase() === entry.network.toLowerCase() &&
      sameAddress(assetAddress(option.asset) ?? 'native', assetAddress(entry.asset) ?? 'native') &&
      sameAddress(option.payTo, entry.payTo) &&
      parseBaseUnits(option.amount) <= parseBaseUnits(entry.amount),
  )
}
