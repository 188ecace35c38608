import type {
  CreditLedgerBalance,
  CreditReservation,
  CreditSpend,
  ReserveResult,
} from '@tx402/core'
import { type Kysely, sql } from 'kysely'
import { callGroups, keyedCallGroups } from './callGroups.js'
import { commitGroup, type ReserveItem, releaseGroup, reserveGroup } from './creditStatements.js'
import { commitLapsedPurchase } from './lapsedPurchase.js'
import { unavailableOnFault } from './paymentStore.js'
import { creditBalancesTable, creditSpendsTable, type LedgerDatabase } from './schema.js'

/**
 * The SQL of prepaid credit, on PostgreSQL or PGlite: the authority on every balance. Each spend
 * step is one statement (reserve, renew, commit, release), so nothing but the database's own row
 * lock orders concurrent spends, in any number of processes. Concurrent reserves (and releases)
 * of one balance in this process, and concurrent commits, go as one statement per group, each
 * spend still taken or refused on its own (`keyedCallGroups`, creditStatements.ts); a fault fails the
 * whole group, nothing taken. Faults raise `LedgerUnavailableError`.
 */
export interface CreditStore {
  find(balanceId: string): Promise<CreditLedgerBalance | undefined>
  /** Takes the amount out and records the reservation `token`, in one statement. */
  reserve(reservation: CreditReservation, token: string): Promise<ReserveResult>
  renew(spend: CreditSpend, ttlMs: number): Promise<boolean>
  /** Reserved (or already committed) → committed; false when the reservation is gone. */
  commit(spend: CreditSpend): Promise<boolean>
  /** Deletes the spend's row and gives its amount back, in one statement; false if already gone. */
  release(spend: CreditSpend): Promise<boolean>
  /** Gives back every reservation whose lease lapsed; returns their tokens. */
  returnLapsed(): Promise<string[]>
}

const balances = sql.table(creditBalancesTable)
const spends = sql.table(creditSpendsTable)
const secondsFrom = (ttlMs: number) =>
  sql<Date>`now() + make_interval(secs => ${ttlMs / 1000}::double precision)`
const ms = (date: Date | string | null) => (date === null ? undefined : new Date(date).getTime())

/** The credit SQL over a Kysely instance (plugins stripped, as `connectPostgres` hands it). */
export function creditStore(db: Kysely<LedgerDatabase>): CreditStore {
  // Concurrent spends of one balance would queue on its row lock, one statement and one WAL
  // flush each: grouped here, a group costs one statement (see creditStatements.ts).
  // One group in flight per balance: the next one forms while it runs (a second in flight would
  // only wait on the row lock; measured no faster).
  const one = { maxInFlight: 1, maxSize: 256 }
  const reserve = keyedCallGroups(
    (balanceId, items: readonly ReserveItem[]) => reserveGroup(db, balanceId, items),
    one,
  )
  const commit = callGroups((group: readonly CreditSpend[]) => commitGroup(db, group), one)
  const release = keyedCallGroups(
    (_, group: readonly CreditSpend[]) => releaseGroup(db, group),
    one,
  )
  return {
    find: (balanceId) =>
      unavailableOnFault('credit read', async () => {
        const row = await db
          .selectFrom(creditBalancesTable)
          .select(['id', 'scope', 'network', 'asset', 'payer', 'opened_by_pay_to as payTo'])
          .select(['expires_at', sql<string>`remaining::text`.as('remaining')])
          .where('id', '=', balanceId)
          .executeTakeFirst()
        if (!row) return undefined
        const { expires_at, remaining, ...rest } = row
        return { ...rest, remaining: BigInt(remaining), expiresAt: ms(expires_at) }
      }),

    reserve: (reservation, token) =>
      unavailableOnFault('credit reserve', async () => {
        const { balanceId } = reservation
        const reserved = await reserve(balanceId, { reservation, token })
        // No balance yet, and the purchase opening it is claimed: if that claim lapsed, its
        // process died after the response that carried this token (lapsedPurchase.ts).
        if (reserved.status !== 'pending' || !(await commitLapsedPurchase(db, balanceId))) {
          return reserved
        }
        return reserve(balanceId, { reservation, token })
      }),

    renew: (spend, ttlMs) =>
      unavailableOnFault('credit renew', async () => {
        const rows = await db
          .updateTable(creditSpendsTable)
          .set({ expires_at: secondsFrom(ttlMs) })
          .where('token', '=', spend.token)
          .where('balance_id', '=', spend.balanceId)
          .where('state', '=', 'reserved')
          .returning('token')
          .execute()
        return rows.length === 1
      }),

    // Every balance's commits in one group: they lock only their own spend rows.
    commit: (spend) => unavailableOnFault('credit commit', () => commit(spend)),

    release: (spend) => unavailableOnFault('credit release', () => release(spend.balanceId, spend)),

    returnLapsed: () =>
      unavailableOnFault('credit reconcile', async () => {
        const { rows } = await sql<{ token: string }>`
          with gone as (
            delete from ${spends} where state = 'reserved' and expires_at <= now()
            returning token, balance_id, amount
          ), back as (
            update ${balances} as b set remaining = b.remaining + s.total, updated_at = now()
            from (select balance_id, sum(amount) as total from gone group by balance_id) as s
            where b.id = s.balance_id returning b.id
          )
          select token from gone`.execute(db)
        return rows.map((row) => row.token)
      }),
  }
}
