import type { CreditBalance, CreditReservation, CreditSpend, ReserveResult } from '@tx402/core'
import { type Kysely, sql } from 'kysely'
import { unavailableOnFault } from './paymentStore.js'
import {
  creditBalancesTable,
  creditSpendsTable,
  type LedgerDatabase,
  paymentsTable,
} from './schema.js'

/**
 * The SQL of prepaid credit, on PostgreSQL or PGlite: the authority on every balance. Each spend
 * step is one statement (reserve, renew, commit, release), so nothing but the database's own row
 * lock orders concurrent spends, in any number of processes. Faults raise `LedgerUnavailableError`.
 */
export interface CreditStore {
  find(balanceId: string): Promise<CreditBalance | undefined>
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
const payments = sql.table(paymentsTable)
const secondsFrom = (ttlMs: number) =>
  sql<Date>`now() + make_interval(secs => ${ttlMs / 1000}::double precision)`
const ms = (date: Date | string | null) => (date === null ? undefined : new Date(date).getTime())

/** The credit SQL over a Kysely instance (plugins stripped, as `connectPostgres` hands it). */
export function creditStore(db: Kysely<LedgerDatabase>): CreditStore {
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

    reserve: (r, token) =>
      unavailableOnFault('credit reserve', async () => {
        const amount = r.amount.toString()
        // The decrement, the reservation row and, for a refusal, the balance as it stood, in one
        // statement: the row lock on the balance orders concurrent reserves, each re-checking
        // `remaining >= amount` after the one before; a refused spend costs no second round trip.
        const { rows } = await sql<{
          taken: string | null
          taken_expires_at: Date | null
          scope: string | null
          network: string | null
          asset: string | null
          pay_to: string | null
          remaining: string | null
          expires_at: Date | null
          expired: boolean | null
          pending: boolean | null
        }>`
          with taken as (
            update ${balances} set remaining = remaining - ${amount}::numeric, updated_at = now()
            where id = ${r.balanceId} and scope = ${r.scope} and network = ${r.network}
              and asset = ${r.asset} and opened_by_pay_to = ${r.payTo}
              and remaining >= ${amount}::numeric
              and (expires_at is null or expires_at > now())
            returning id, remaining, expires_at
          ), held as (
            insert into ${spends} (token, balance_id, amount, state, expires_at)
            select ${token}, id, ${amount}::numeric, 'reserved', ${secondsFrom(r.ttlMs)} from taken
            returning token
          )
          select taken.remaining::text as taken, taken.expires_at as taken_expires_at,
            b.scope, b.network, b.asset, b.opened_by_pay_to as pay_to,
            b.remaining::text as remaining, b.expires_at,
            (b.expires_at is not null and b.expires_at <= now()) as expired,
            (b.id is null and exists (select 1 from ${payments} as p
              where p.credit_balance_id = ${r.balanceId} and p.status = 'claimed')) as pending
          from (select 1) as one
            left join (taken cross join held) on true
            left join ${balances} as b on b.id = ${r.balanceId}`.execute(db)
        const row = rows[0]!
        if (row.taken !== null) {
          return {
            status: 'reserved',
            spend: {
              balanceId: r.balanceId,
              token,
              amount: r.amount,
              expiresAt: Date.now() + r.ttlMs,
            },
            remaining: BigInt(row.taken),
            expiresAt: ms(row.taken_expires_at),
          }
        }
        // Refused: why, from the balance as this statement's snapshot saw it.
        if (row.pending) return { status: 'pending' }
        if (
          row.remaining === null ||
          row.scope !== r.scope ||
          row.network !== r.network ||
          row.asset !== r.asset ||
          row.pay_to !== r.payTo
        ) {
          return { status: 'unknown' }
        }
        if (row.expired) return { status: 'expired', expiresAt: ms(row.expires_at)! }
        return {
          status: 'exhausted',
          remaining: BigInt(row.remaining),
          expiresAt: ms(row.expires_at),
        }
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

    commit: (spend) =>
      unavailableOnFault('credit commit', async () => {
        const rows = await db
          .updateTable(creditSpendsTable)
          .set({ state: 'committed', expires_at: null })
          .where('token', '=', spend.token)
          .where('balance_id', '=', spend.balanceId)
          // Also 'committed': a retry after a lost reply succeeds.
          .where('state', 'in', ['reserved', 'committed'])
          .returning('token')
          .execute()
        return rows.length === 1
      }),

    release: (spend) =>
      unavailableOnFault('credit release', async () => {
        // The row goes with the give-back, so a second release (or reconcile) finds nothing.
        const { rows } = await sql<{ id: string }>`
          with gone as (
            delete from ${spends} where token = ${spend.token} and balance_id = ${spend.balanceId}
            returning balance_id, amount
          )
          update ${balances} as b set remaining = b.remaining + gone.amount, updated_at = now()
          from gone where b.id = gone.balance_id returning b.id`.execute(db)
        return rows.length === 1
      }),

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
