import { headerNames } from '@tx402/core/protocol'
import type { ExchangeResponse, Flow } from '../exchange.js'
import type { JournalEntry } from '../journal/types.js'
import { creditsOf } from './creditJournal.js'
import { creditKey } from './creditRecord.js'

/**
 * Sends a payment's headers: through `sendCredited` when they carry a top-up token, so it never
 * follows a redirect to another origin (`'redirected'` then: nothing was sent there).
 *
 * @example const response = await sendPresentation(flow, headers)
 */
export async function sendPresentation<R>(
  flow: Flow<R>,
  headers: Record<string, string>,
): Promise<ExchangeResponse<R> | 'redirected'> {
  if (!headers[headerNames.credit]) return flow.exchange.send(headers)
  if (!flow.exchange.sendCredited) return 'redirected'
  return flow.exchange.sendCredited(headers)
}

/**
 * Presents a journaled top-up without its token from now on; `forget` also drops the token from
 * the journal (the server refused it: `credit_invalid`, `credit_expired`).
 *
 * @example await dropTopUp(flow, entry, true)
 */
export async function dropTopUp<R>(
  flow: Flow<R>,
  entry: JournalEntry,
  forget: boolean,
): Promise<void> {
  const token = entry.topUp
  delete entry.topUp
  await flow.journal.put(entry)
  if (!forget || !token) return
  const credits = creditsOf(flow.journal)
  for (const record of await credits.list()) {
    if (record.token === token) await credits.delete(creditKey(record))
  }
}
