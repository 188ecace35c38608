import type { Network, WireAsset } from '@tx402/core/protocol'
import type { CreditRecord } from '../credit/creditRecord.js'
import type { SignedPayment } from '../payer.js'

/**
 * A payment not yet settled with the server. Written before the transaction is broadcast, updated
 * as it progresses, and deleted once the server served the request or refused the transaction.
 */
export interface JournalEntry {
  /** The challenge the payment answers (the journal's key). */
  challengeId: string
  /** `origin METHOD path`: which resource the payment is for. */
  resource: string
  chain: string
  network: Network
  payment: SignedPayment
  asset: WireAsset
  /** Base units, decimal string. */
  amount: string
  payTo: string
  /** `signed`: not known to be sent yet; `broadcast`: sent; `confirmed`: final enough. */
  state: 'signed' | 'broadcast' | 'confirmed'
  /** Unix ms. */
  createdAt: number
  /**
   * The credit token this payment tops up (docs/protocol.md section 7.2): presented with it, so a
   * payment re-presented after a crash still adds to that balance.
   */
  topUp?: string
  /**
   * The token of the balance this payment bought, once its response was received: the entry is
   * kept until that token is first accepted (docs/protocol.md 7.5), so a purchase whose commit a
   * crashing server never made is presented again rather than bought anew.
   */
  awaitingToken?: string
  /**
   * The `requestFingerprint` of the request paid for, when its method is not safe (POST…): the
   * server's replay of that request's kept response is taken only by the same request.
   */
  request?: string
}

/**
 * Where payments are recorded before they are broadcast. `put` must be durable when it resolves:
 * the client broadcasts only after it. Implement it over any store (IndexedDB, a file, Redis).
 *
 * @example
 * const journal: PaymentJournal = memoryJournal()
 * await callPaidEndpoint(url, {}, { payers, journal })
 */
export interface PaymentJournal {
  /** Every unsettled entry. */
  list(): Promise<JournalEntry[]>
  /** Adds or replaces the entry with this `challengeId`. */
  put(entry: JournalEntry): Promise<void>
  delete(challengeId: string): Promise<void>
  /**
   * Prepaid credit tokens, by origin and scope (docs/protocol.md section 7). Optional: without
   * it, tokens are kept in memory for as long as this journal object lives.
   */
  credits?: CreditJournal
}

/**
 * Where credit tokens are kept: `PaymentJournal.credits`. `memoryJournal` and
 * `localStorageJournal` implement it; a journal without it keeps tokens in memory for the process.
 */
export interface CreditJournal {
  list(): Promise<CreditRecord[]>
  /** Adds or replaces the record with the same `creditKey`. */
  put(record: CreditRecord): Promise<void>
  /** Removes the record with this `creditKey`. */
  delete(key: string): Promise<void>
}
