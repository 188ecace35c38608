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
import { callGroups, MemberFailed } from './callGroups.js'
import { unclaimTakingBackGrant } from './creditGrant.js'
import { awaitingItsToken } from './lapsedPurchase.js'
import { grantOf, keyColumns, keyOf, recordOf } from './paymentRows.js'
import {
  claimGroupStatement,
  claimStatement,
  consumedStatement,
  consumeGroupStatement,
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
  /** Counts one re-delivery of the consumed row of `key` if fewer than `limit`; false otherwise. */
  countRedelivery(key: PaymentKey, limit: number): Promise<boolean>
  /** Deletes every claim whose lease lapsed; returns their keys. */
  deleteLapsedClaims(): Promise<PaymentKey[]>
}

// A race the claim lost can turn over inside its call (released, or lapsed just then); a few
// tries settle it.
const claimAttempts = 3

// Group commit of claims and of commits (callGroups.ts): the per-statement cost (a round trip,
// the client's and the server's work per statement) was most of the ledger's time per payment,
// so concurrent claims (or commits) go as one statement. Two groups of each kind at once keep
// more than one connection busy; a group carries at most 64 payments.
const groupOptions = { maxInFlight: 2, maxSize: 64 }

// PostgreSQL's deadlock_detected: two groups (of two processes) locking the same rows in opposite
// orders. Members are sorted by key so claims and commits lock payments in one order, but a
// commit's credit grant also locks a balance; then each member runs again alone, as it would have
// without grouping.
const deadlockDetected = '40P01'

// A group's statement that failed because of what one member carries (a value PostgreSQL refuses:
// SQLSTATE class 22 data exception, 23 integrity violation; or one that cannot even be written
// into the statement) must not fail the others: one bad claim would otherwise answer 503 to every
// honest payer grouped with it. Its members run again alone, each getting its own answer or error,
// as without grouping. A real fault (connection, timeout) still fails them all.
function rerunAlone(error: unknown): boolean {
  if (error instanceof RangeError || error instanceof TypeError) return true
  const code = (error as { code?: unknown }).code
  return code === deadlockDetected || (typeof code === 'string' && /^2[23][0-9A-Z]{3}$/.test(code))
}

/**
 * The SQL of the ledger over a Kysely instance. Every database fault becomes core's
 * `LedgerUnavailableError`, so the engine answers 503 and nothing is consumed.
 */
export function paymentStore(db: Kysely<LedgerDatabase>): PaymentStore {
  const run = async <R>(statement: CompiledQuery): Promise<R[]> =>
    (await db.executeQuery<R>(statement)).rows

  // One statement: the claim function says who holds the payment (paymentFunctions.ts).
  const claimAlone = async ({ lease, details }: { lease: Lease; details: PaymentDetails }) => {
    const [row] = await run<{ result: MarkResult | null }>(claimStatement(lease, details))
    return row?.result ?? null
  }
  const claimOnce = callGroups(
    grouped(claimAlone, async (members) =>
      answersOf(await run<GroupRow<MarkResult>>(claimGroupStatement(members)), members.length),
    ),
    groupOptions,
  )

  const consumeAlone = async ({ lease, response }: ConsumeMember) =>
    (await run<{ result: string | null }>(consumeStatement(lease, response)))[0]?.result ?? null
  const consumeOnce = callGroups(
    grouped(consumeAlone, async (members) =>
      answersOf(await run<GroupRow<string>>(consumeGroupStatement(members)), members.length),
    ),
    groupOptions,
  )

  return {
    isConsumed: (key) =>
      unavailableOnFault('read', async () => (await run(consumedStatement(key))).length > 0),

    claim: (lease, details) =>
      unavailableOnFault('mark', async () => {
        for (let attempt = 0; attempt < claimAttempts; attempt++) {
          const result = await claimOnce({ lease, details })
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
        async () => (await consumeOnce({ lease, response })) === 'consumed',
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
        const credit = grantOf(row)
        return {
          ...recordOf(row),
          ...(credit ? { credit } : {}),
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

    // One conditional update: the row lock orders concurrent counts, in any number of processes.
    countRedelivery: (key, limit) =>
      unavailableOnFault('count a re-delivery', async () => {
        const counted = await db
          .updateTable(paymentsTable)
          .set({ redeliveries: sql`redeliveries + 1` })
          .where((eb) => eb.and(keyColumns(key)))
          .where('status', '=', 'consumed')
          .where('redeliveries', '<', limit)
          .executeTakeFirst()
        return counted.numUpdatedRows === 1n
      }),

    deleteLapsedClaims: () =>
      unavailableOnFault('reconcile', async () => {
        const rows = await db
          .deleteFrom(paymentsTable)
          .where('status', '=', 'claimed')
          .where('claim_expires_at', '<=', sql<Date>`now()`)
          // A purchase whose token its payer may hold waits for that token (lapsedPurchase.ts).
          .where(sql<boolean>`not ${awaitingItsToken}`)
          .returning(['network', 'tx_id', 'pay_to', 'payer'])
          .execute()
        return rows.map(keyOf)
      }),
  }
}

interface ConsumeMember {
  lease: Lease
  response?: StoredResponse | undefined
}

interface GroupRow<R> {
  i: number | string
  result: R | null
}

/** One answer per member from a group statement's rows (`i` is 1-based, bigint as text on pg). */
function answersOf<R>(rows: GroupRow<R>[], size: number): (R | null)[] {
  const answers: (R | null)[] = Array.from({ length: size }, () => null)
  if (rows.length !== size) throw new Error(`a group of ${size} got ${rows.length} rows`)
  for (const row of rows) answers[Number(row.i) - 1] = row.result
  return answers
}

/**
 * A group runner: one member runs `alone`; more run as `together`, sorted by payment key so every
 * process locks rows in one order, each answer going back to its member. On a deadlock, or an
 * error one member's values caused (`rerunAlone`), the members run again alone.
 */
function grouped<M extends { lease: Lease }, R>(
  alone: (member: M) => Promise<R | null>,
  together: (members: readonly M[]) => Promise<(R | null)[]>,
): (members: readonly M[]) => Promise<(R | null | MemberFailed)[]> {
  return async (members) => {
    if (members.length === 1) return [await alone(members[0]!)]
    const order = members.map((_, i) => i).sort((a, b) => compareKeys(members[a]!, members[b]!))
    let sorted: (R | null)[]
    try {
      sorted = await together(order.map((i) => members[i]!))
    } catch (error) {
      if (!rerunAlone(error)) throw error
      // Each member alone, its own answer or its own error: one failing fails no other.
      const settled = await Promise.allSettled(members.map(alone))
      return settled.map((s) => (s.status === 'fulfilled' ? s.value : new MemberFailed(s.reason)))
    }
    const answers: (R | null)[] = Array.from({ length: members.length }, () => null)
    order.forEach((memberIndex, position) => {
      answers[memberIndex] = sorted[position] ?? null
    })
    return answers
  }
}

function compareKeys(a: { lease: Lease }, b: { lease: Lease }): number {
  const x = a.lease.key
  const y = b.lease.key
  for (const [p, q] of [
    [x.network, y.network],
    [x.txId, y.txId],
    [x.payTo, y.payTo],
    [x.payer, y.payer],
  ] as const) {
    if (p !== q) return p < q ? -1 : 1
  }
  return 0
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
