import type { AcceptOption } from '@tx402/core/protocol'
import { BroadcastRejectedError, PaymentFailedError } from './errors.js'
import type { Flow } from './exchange.js'
import type { JournalEntry } from './journal/types.js'
import type { Payer, TransferStatus } from './payer.js'

/**
 * Makes sure a journaled payment is on chain and confirmed, by the payer's own RPC: a `confirmed`
 * entry is taken as is unless `recheck` (the server just answered `tx_not_found`). Rebroadcasts
 * the same signed bytes when the chain lost them; a wallet's replacement of it with the same
 * transfer (an EVM speed-up) becomes the entry's payment. False, with the entry dropped, when it
 * can never land and nothing replaced it with the same transfer (nothing was paid); throws
 * `PaymentFailedError` (entry dropped) when it failed on chain, and `PaymentTimeoutError` (entry
 * kept) at `flow.deadline`.
 *
 * @example if (!(await bringOnChain(flow, entry, payer, option))) payAgain()
 */
export async function bringOnChain<R>(
  flow: Flow<R>,
  entry: JournalEntry,
  payer: Payer,
  option: Pick<AcceptOption, 'minConfirmations' | 'commitment'>,
  recheck = false,
): Promise<boolean> {
  if (entry.state === 'confirmed' && !recheck) return true
  const status = await statusOrReplacement(flow, entry, payer)
  if (status === 'expired') {
    // Never sent, and it no longer can be: nothing was paid, so paying now is paying once.
    await flow.journal.delete(entry.challengeId)
    return false
  }
  if (status === 'missing') await broadcast(flow, entry, payer)
  else if (entry.state === 'signed') await record(flow, entry, 'broadcast')
  await confirm(flow, entry, payer, option)
  return true
}

/**
 * Sends the signed bytes and records `broadcast`. A refusal the chain confirms (the payment is
 * still missing, or its nonce went to another transfer) drops the entry and throws
 * `PaymentFailedError`; a network fault, or a refusal whose status cannot be read afterwards,
 * keeps it and throws (the next call asks again and sends the same bytes).
 *
 * @example await broadcast(flow, entry, payer)
 */
export async function broadcast<R>(
  flow: Flow<R>,
  entry: JournalEntry,
  payer: Payer,
): Promise<void> {
  try {
    await payer.broadcast(entry.payment)
  } catch (error) {
    // The bytes may have reached the node even though the call failed: ask the chain. A refusal
    // means nothing was paid only when the chain confirms it: a node can answer an error for
    // bytes it took ("already known" from a second backend), so a status that cannot be read
    // leaves the fate unknown and the entry kept.
    const status = await statusOrReplacement(flow, entry, payer).catch(() => 'unread' as const)
    if (status !== 'known') {
      if (
        status === 'expired' ||
        (status === 'missing' && error instanceof BroadcastRejectedError)
      ) {
        await flow.journal.delete(entry.challengeId)
        throw new PaymentFailedError(
          'The node refused the payment transaction; nothing was paid.',
          { cause: error },
        )
      }
      // Unknown fate (a network fault, or a status that cannot be read): kept journaled, the
      // next call asks again and sends the same bytes.
      throw error
    }
  }
  await record(flow, entry, 'broadcast')
}

/**
 * Waits for the confirmations `option` asks for and records `confirmed`, under the id the
 * transaction landed with (a wallet's speed-up changes an EVM hash).
 *
 * @example await confirm(flow, entry, payer, option)
 */
export async function confirm<R>(
  flow: Flow<R>,
  entry: JournalEntry,
  payer: Payer,
  option: Pick<AcceptOption, 'minConfirmations' | 'commitment'>,
): Promise<void> {
  let landed: { txId: string }
  try {
    landed = await payer.confirm(entry.payment, option, flow.deadline, entry)
  } catch (error) {
    if (error instanceof PaymentFailedError) await flow.journal.delete(entry.challengeId)
    throw error
  }
  if (landed.txId !== entry.payment.txId) {
    // Replaced by the wallet with the same payment under a new id: that one is presented.
    entry.payment = { ...entry.payment, txId: landed.txId, serialized: '' }
  }
  entry.state = 'confirmed'
  await flow.journal.put(entry)
}

/**
 * The payment's status; for one that can no longer land as signed (`'expired'`), the transaction
 * that took its nonce with the same transfer (a wallet's speed-up) becomes the entry's payment,
 * journaled before anything else happens, and its status is returned: only a nonce used by a
 * different transaction means nothing was paid.
 */
async function statusOrReplacement<R>(
  flow: Flow<R>,
  entry: JournalEntry,
  payer: Payer,
): Promise<TransferStatus> {
  const status = await payer.status(entry.payment)
  if (status !== 'expired' || !payer.findReplacement) return status
  const replacedBy = await payer.findReplacement(entry.payment, entry)
  if (!replacedBy) return status
  entry.payment = { ...entry.payment, txId: replacedBy, serialized: '' }
  entry.state = 'broadcast'
  await flow.journal.put(entry)
  return payer.status(entry.payment)
}

async function record<R>(
  flow: Flow<R>,
  entry: JournalEntry,
  state: JournalEntry['state'],
): Promise<void> {
  if (entry.state === state) return
  entry.state = state
  await flow.journal.put(entry)
}
