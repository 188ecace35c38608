import type { AcceptOption } from '@tx402/core/protocol'
import type { SignedPayment } from '../payer.js'
import type { JournalEntry } from './types.js'

/**
 * The journal's name for a resource, `origin METHOD path`: a payment made for it is presented
 * again only for the same resource, as the server's challenge binds method and path.
 *
 * @example resourceKey('https://api.example.com', 'get', '/api/weather') // 'https://api.example.com GET /api/weather'
 */
export function resourceKey(origin: string, method: string, path: string): string {
  return `${origin} ${method.toUpperCase()} ${path}`
}

/**
 * A new journal entry for a signed payment, in state `signed`: what is written before broadcast.
 *
 * @example await journal.put(journalEntry({ challengeId, resource, option, payment }))
 */
export function journalEntry(args: {
  challengeId: string
  resource: string
  option: AcceptOption
  payment: SignedPayment
  request?: string | undefined
  /** The credit token this payment tops up. */
  topUp?: string | undefined
}): JournalEntry {
  const { option } = args
  return {
    challengeId: args.challengeId,
    resource: args.resource,
    chain: option.chain,
    network: option.network,
    payment: args.payment,
    asset: option.asset,
    amount: option.amount,
    payTo: option.payTo,
    state: 'signed',
    createdAt: Date.now(),
    ...(args.request ? { request: args.request } : {}),
    ...(args.topUp ? { topUp: args.topUp } : {}),
  }
}
