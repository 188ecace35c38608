import {
  type DeliveredPayment,
  type Lease,
  LedgerUnavailableError,
  type MarkResult,
  type PaymentDetails,
  type PaymentKey,
  type StoredResponse,
} from '@tx402/core'
import { type CompiledQuery, type Kysely, sql } from 'kysely'
import { unclaimTakingBackGrant } from './creditGrant.js'
import { keyColumns, keyOf, recordOf } from './paymentRows.js'
import {
  claimStatement,
  consumedStatement,
  consumeStatement,
  renewStatement,
} from './paymentStatements.js'
import { type LedgerDatabase, paymentsTable } from './schema.js'

/** The ledger's durable half: the SQL that decides every race, on PostgreSQL or PGlite. */
export interface PaymentStore {
  isConsumed(key: PaymentKey): Promise<boolean>
  /**
   * The atomic check-and-mark of `lease.key`: inserts the claim, or takes over a claim whose
   * lease lapsed.
   */
  claim(lease: Lease, details: PaymentDetails): Promise<MarkResult>
  /** Moves this lease's claim to lapse `ttlMs` from now (database clock). False if not its claim. */
  renew(lease: Lease, ttlMs: number): Promise<boolean>
  /**
   * Claimed by this lease → consumed (again, if already), keeping `response` the first time.
   * False when the lease lost the claim.
   */
  consume(lease: Lease, response?: StoredResponse): Promise<boolean>
  /** Deletes this lease's row, claimed or consumed; says which it was, if any. */
  unclaim(lease: Lease): Promise<'claimed' | 'consumed' | undefined>
  /** The consumed row of `key`, with its kept response. */
  findConsumed(key: PaymentKey): Promise<DeliveredPayment | undefined>
  /** Deletes every claim whose lease lapsed; returns their keys. */
  deleteLapsedClaims(): Promise<PaymentKey[]>
}

// A race the claim lost can turn over inside its call (released, or lapsed just then); a few
// tries settle it.
const claimAttempts = 3

/**
 * The SQL of the ledger over a Kysely instance. Every database fault becomes core's
 * `LedgerUnavailableError`, so the engine answers 503 and nothing is consumed.
 */
export function paymentStore(db: Kysely<LedgerDatabase>): PaymentStore {
  const run = async <R>(statement: CompiledQuery): Promise<R[]> =>
    (await db.executeQuery<R>(statement)).rows

  // One statement: the claim function says who holds the payment (paymentFunctions.ts).
  const claimOnce = async (lease: Lease, details: PaymentDetails) => {
    const [row] = await run<{ result: MarkResult | null }>(claimStatement(lease, details))
    return row?.result ?? undefined
  }

  return {
    isConsumed: (key) =>
      unavailableOnFault('read', async () => (await run(consumedStatement(key))).length > 0),

    claim: (lease, details) =>
      unavailableOnFault('mark', async () => {
        for (let attempt = 0; attempt < claimAttempts; attempt++) {
          const result = await claimOnce(lease, details)
          if (result) return result
        }
        return 'in_progress'
      }),

    renew: (lease, ttlMs) =>
      unavailableOnFault(
        'renew',
        async () => (await run(renewStatement(lease, ttlMs))).length === 1,
      ),

    consume: (lease, response) =>
      unavailableOnFault(
        'commit',
        async () =>
          (await run<{ result: string | null }>(consumeStatement(lease, response)))[0]?.result ===
          'consumed',
      ),

    unclaim: (lease) =>
      unavailableOnFault('release', async () => {
        // Also this lease's own consumed row: a release after a commit is a commit whose reply
        // was lost (the response was not served), so the payment must be usable again; the
        // credit that commit granted is taken back with it.
        return unclaimTakingBackGrant(db, lease)
      }),

    findConsumed: (key) =>
      unavailableOnFault('read', async () => {
        const row = await db
          .selectFrom(paymentsTable)
          .selectAll()
          .where((eb) => eb.and(keyColumns(key)))
          .where('status', '=', 'consumed')
          .executeTakeFirst()
        if (!row?.consumed_at) return undefined
        return {
          ...recordOf(row),
          deliveredAt: new Date(row.consumed_at).getTime(),
          response:
            row.response_status === null
              ? undefined
              : {
                  status: row.response_status,
                  headers: JSON.parse(row.response_headers ?? '{}') as StoredResponse['headers'],
                  body: new Uint8Array(row.response_body ?? []),
                },
        }
      }),

    deleteLapsedClaims: () =>
      unavailableOnFault('reconcile', async () => {
        const rows = await db
          .deleteFrom(paymentsTable)
          .where('status', '=', 'claimed')
          .where('claim_expires_at', '<=', sql<Date>`now()`)
          .returning(['network', 'tx_id', 'pay_to', 'payer'])
          .execute()
        return rows.map(keyOf)
      }),
  }
}

/** Runs one store call, turning any database fault into `LedgerUnavailableError` (503). */
export async function unavailableOnFault<T>(what: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run()
  } catch (error) {
    if (error instanceof LedgerUnavailableError) throw error
    throw new LedgerUnavailableError(`The ledger's database failed (${what}).`, {
      details: error instanceof Error ? error.message : String(error),
      cause: error,
    })
  }
}
