import { journalEntry, resourceKey } from '../journal/journalEntry.js'
import type { PaymentJournal } from '../journal/types.js'
import type { Payer, SignedPayment } from '../payer.js'
import { readErrorBody } from '../readErrorBody.js'

/**
 * What a process that crashed after signing and before broadcast leaves behind: the 402's first
 * option signed by `payer` and journaled as `signed`, its bytes never sent.
 */
export async function signUnsent(
  url: string,
  payer: Payer,
  journal: PaymentJournal,
): Promise<SignedPayment> {
  const body = readErrorBody(await (await fetch(url)).text())
  const option = body?.accepts?.[0]
  if (!body?.challenge || !option) throw new Error(`${url} did not answer a 402 challenge`)
  const payment = await payer.sign(option)
  const { origin, pathname } = new URL(url)
  await journal.put(
    journalEntry({
      challengeId: body.challenge.id,
      resource: resourceKey(origin, 'GET', pathname),
      option,
      payment,
    }),
  )
  return payment
}
