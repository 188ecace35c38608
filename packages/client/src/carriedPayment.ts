import { type AcceptOption, type PaymentRequiredBody, parseBaseUnits } from '@tx402/core/protocol'
import { assetAddress, sameAddress } from './assets/knownAssets.js'
import { creditsOf } from './credit/creditJournal.js'
import { takes } from './credit/heldCredit.js'
import type { JournalEntry, PaymentJournal } from './journal/types.js'

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
  if (!entry.resource.startsWith(`${origin} `)) return undefined
  return body.accepts.find(
    (option) =>
      option.network.toLowerCase() === entry.network.toLowerCase() &&
      sameAddress(assetAddress(option.asset) ?? 'native', assetAddress(entry.asset) ?? 'native') &&
      sameAddress(option.payTo, entry.payTo) &&
      parseBaseUnits(option.amount) <= parseBaseUnits(entry.amount),
  )
}

/**
 * The top-up token a carried payment keeps at its target: only when the target's option sells
 * credit of the balance's scope, network and asset (else the server would refuse the token and
 * the client forget it); undefined: presented as a payment of its own there.
 *
 * @example const topUp = await carriedTopUp(journal, entry, option)
 */
export async function carriedTopUp(
  journal: PaymentJournal,
  entry: JournalEntry,
  option: AcceptOption,
): Promise<string | undefined> {
  if (!entry.topUp || !option.credit) return undefined
  const record = (await creditsOf(journal).list()).find((r) => r.token === entry.topUp)
  if (!record || record.scope !== (option.credit.scope ?? '') || !takes(option, record)) {
    return undefined
  }
  return entry.topUp
}
