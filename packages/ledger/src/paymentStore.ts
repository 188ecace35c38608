import {
  type DeliveredPayment,
  type Lease,
  LedgerUnavailableError,
  type MarkResult,
  type PaymentDetails,
  type PaymentKey,
  type StoredResponse,
} from '@tx402/core'
import { type Kysely, sql } from 'kysely'
import { grantApplied, grantColumns, grantCte, unclaimTakingBackGrant } from './creditGrant.js'
import { keyColumns, keyOf, recordColumns, recordOf } from './paymentRows.js'
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

// A race the claim lost can turn over between its two statements (released, or lapsed just
// then); a few tries settle it.
const claimAttempts = 3

/**
 * The SQL of the ledger over a Kysely instance. Every database fault becomes core's
 * `LedgerUnavailableError`, so the engine answers 503 and nothing is consumed.
 */
export function paymentStore(db: Kysely<LedgerDatabase>): PaymentStore {
  const claimOnce = async (
    lease: Lease,
    details: PaymentDetails,
  ): Promise<MarkResult | undefined> => {
    // The lapse time is the lease's, counted on the database clock so claims compare as equals.
    const seconds = Math.max(0, lease.expiresAt - Date.now()) / 1000
    const expiresAt = sql<Date>`now() + make_interval(secs => ${seconds}::double precision)`
    const won = await db
      .insertInto(paymentsTable)
      .values({
        ...recordColumns(lease.key, details),
        ...grantColumns(lease.key, details),
        status: 'claimed',
        lease_token: lease.token,
        claim_expires_at: expiresAt,
      })
      .onConflict((oc) =>
        oc
          .columns(['network', 'tx_id', 'pay_to', 'payer'])
          .doUpdateSet((eb) => ({
            chain: eb.ref('excluded.chain'),
            asset: eb.ref('excluded.asset'),
            amount: eb.ref('excluded.amount'),
            resource: eb.ref('excluded.resource'),
            challenge_id: eb.ref('excluded.challenge_id'),
            credit_balance_id: eb.ref('excluded.credit_balance_id'),
            credit_scope: eb.ref('excluded.credit_scope'),
            credit_amount: eb.ref('excluded.credit_amount'),
            credit_expires_at: eb.ref('excluded.credit_expires_at'),
            lease_token: eb.ref('excluded.lease_token'),
            claim_expires_at: eb.ref('excluded.claim_expires_at'),
            updated_at: sql`now()`,
          }))
          // Only a claim (never a consumed row): this lease's own, or one whose holder lapsed.
          .where(`${paymentsTable}.status`, '=', 'claimed')
          .where((eb) =>
            eb.or([
              eb(`${paymentsTable}.lease_token`, '=', lease.token),
              eb(`${paymentsTable}.claim_expires_at`, '<=', sql<Date>`now()`),
            ]),
          ),
      )
      .returning('status')
      .executeTakeFirst()
    if (won) return 'marked'
    // A new statement, so it sees the row that beat us even if committed after our snapshot.
    const held = await db
      .selectFrom(paymentsTable)
      .select(['status', sql<boolean>`claim_expires_at > now()`.as('live')])
      .where((eb) => eb.and(keyColumns(lease.key)))
      .executeTakeFirst()
    if (held?.status === 'consumed') return 'consumed'
    if (held?.live) return 'in_progress'
    return undefined
  }

  return {
    isConsumed: (key) =>
      unavailableOnFault('read', async () => {
        const row = await db
          .selectFrom(paymentsTable)
          .select('status')
          .where((eb) => eb.and(keyColumns(key)))
          .where('status', '=', 'consumed')
          .executeTakeFirst()
        return row !== undefined
      }),

    claim: (lease, details) =>
      unavailableOnFault('mark', async () => {
        for (let attempt = 0; attempt < claimAttempts; attempt++) {
          const result = await claimOnce(lease, details)
          if (result) return result
        }
        return 'in_progress'
      }),

    renew: (lease, ttlMs) =>
      unavailableOnFault('renew', async () => {
        const rows = await db
          .updateTable(paymentsTable)
          .set({
            claim_expires_at: sql<Date>`now() + make_interval(secs => ${ttlMs / 1000}::double precision)`,
          })
          .where((eb) => eb.and(keyColumns(lease.key)))
          .where('lease_token', '=', lease.token)
          .where('status', '=', 'claimed')
          .returning('status')
          .execute()
        return rows.length === 1
      }),

    consume: (lease, response) =>
      unavailableOnFault('commit', async () => {
        const kept = response
          ? {
              response_status: response.status,
              response_headers: JSON.stringify(response.headers),
              response_body: response.body,
            }
          : {}
        const rows = await db
          // The pending credit grant lands in this same statement, on claimed → consumed only.
          .with('granted', () => grantCte(lease))
          .updateTable(paymentsTable)
          .set({
            status: 'consumed',
            credit_applied: grantApplied,
            claim_expires_at: null,
            // A retry after a lost reply keeps the first commit's time.
            consumed_at: sql<Date>`coalesce(consumed_at, now())`,
            updated_at: sql<Date>`now()`,
            ...kept,
          })
          .where((eb) => eb.and(keyColumns(lease.key)))
          .where('lease_token', '=', lease.token)
          // Also 'consumed': a retry after a commit whose reply was lost succeeds.
          .where('status', 'in', ['claimed', 'consumed'])
          .returning('status')
          .execute()
        return rows.length === 1
      }),

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
