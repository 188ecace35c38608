import type { CreditReservation, CreditSpend, ReserveResult } from '@tx402/core'
import { type Kysely, sql } from 'kysely'
import {
  creditBalancesTable,
  creditSpendsTable,
  type LedgerDatabase,
  paymentsTable,
} from './schema.js'

const balances = sql.table(creditBalancesTable)
const spends = sql.table(creditSpendsTable)
const payments = sql.table(paymentsTable)
const ms = (date: Date | string | null) => (date === null ? undefined : new Date(date).getTime())

/** One reserve of a group: what is asked and the token its spend row gets. */
export interface ReserveItem {
  reservation: CreditReservation
  token: string
}

/**
 * Reserves a group of spends of one balance in ONE statement, in the group's order: the balance
 * row is locked (`for update`, which reads its latest committed version), then each spend is
 * taken only if what remains after the ones taken before it covers it (a recursive walk, so a
 * refused large spend does not stop a smaller one after it), then the balance is debited by
 * their sum and each taken spend gets its own reservation row. A refused one gets its reason as
 * a lone reserve would: pending, unknown, expired, or exhausted with what was left at its turn.
 * Atomic: a fault takes nothing for any of them.
 */
export async function reserveGroup(
  db: Kysely<LedgerDatabase>,
  balanceId: string,
  items: readonly ReserveItem[],
): Promise<ReserveResult[]> {
  const asked = JSON.stringify(
    items.map(({ reservation: r, token }, i) => ({
      ord: i + 1,
      token,
      amount: r.amount.toString(),
      ttl_ms: r.ttlMs,
      scope: r.scope,
      network: r.network,
      asset: r.asset,
      pay_to: r.payTo,
    })),
  )
  const { rows } = await sql<{
    ord: number
    taken: boolean
    left_after: string | null
    matches: boolean
    expired: boolean | null
    expires_at: Date | null
    pending: boolean
  }>`
    with recursive asked as (
      select * from json_to_recordset(${asked}::json) as a(ord int, token text, amount numeric,
        ttl_ms double precision, scope text, network text, asset text, pay_to text)
    ), locked as (
      select id, remaining, expires_at, scope, network, asset, opened_by_pay_to,
        (expires_at is not null and expires_at <= now()) as expired
      from ${balances} where id = ${balanceId} for update
    ), judged as (
      select a.*, coalesce(l.scope = a.scope and l.network = a.network and l.asset = a.asset
          and l.opened_by_pay_to = a.pay_to, false) as matches,
        coalesce(not l.expired, false) as live
      from asked as a left join locked as l on true
    ), walk (ord, left_after, taken) as (
      select 0, (select remaining from locked)::numeric, false
      union all
      select j.ord,
        case when j.matches and j.live and w.left_after >= j.amount
          then w.left_after - j.amount else w.left_after end,
        coalesce(j.matches and j.live and w.left_after >= j.amount, false)
      from walk as w join judged as j on j.ord = w.ord + 1
    ), total as (
      select sum(j.amount) as amount from walk as w join judged as j using (ord) where w.taken
    ), debited as (
      update ${balances} as b set remaining = b.remaining - t.amount, updated_at = now()
      from total as t where b.id = ${balanceId} and t.amount is not null
      returning b.id
    ), held as (
      -- Only with the debit: no reservation row without its amount taken out.
      insert into ${spends} (token, balance_id, amount, state, expires_at)
      select j.token, d.id, j.amount, 'reserved',
        now() + make_interval(secs => j.ttl_ms / 1000)
      from walk as w join judged as j using (ord) cross join debited as d where w.taken
      returning token
    )
    select j.ord, (h.token is not null) as taken, w.left_after::text as left_after, j.matches,
      l.expired, l.expires_at,
      (l.id is null and exists (select 1 from ${payments} as p
        where p.credit_balance_id = ${balanceId} and p.status = 'claimed')) as pending
    from judged as j join walk as w using (ord)
      left join held as h on h.token = j.token
      left join locked as l on true
    order by j.ord`.execute(db)
  return items.map(({ reservation: r, token }, i) => {
    const row = rows[i]!
    if (row.taken) {
      const spend: CreditSpend = {
        balanceId: r.balanceId,
        token,
        amount: r.amount,
        expiresAt: Date.now() + r.ttlMs,
      }
      return {
        status: 'reserved',
        spend,
        remaining: BigInt(row.left_after!),
        expiresAt: ms(row.expires_at),
      }
    }
    if (row.pending) return { status: 'pending' }
    if (!row.matches || row.left_after === null) return { status: 'unknown' }
    if (row.expired) return { status: 'expired', expiresAt: ms(row.expires_at)! }
    return {
      status: 'exhausted',
      remaining: BigInt(row.left_after),
      expiresAt: ms(row.expires_at),
    }
  })
}

const spendList = (group: readonly CreditSpend[]) =>
  JSON.stringify(group.map((s) => ({ token: s.token, balance_id: s.balanceId })))

/**
 * Commits a group of spends (of any balances) in ONE statement: reserved (or already committed,
 * a retry after a lost reply) → committed. Answers, per spend, whether its row was there.
 */
export async function commitGroup(
  db: Kysely<LedgerDatabase>,
  group: readonly CreditSpend[],
): Promise<boolean[]> {
  const { rows } = await sql<{ token: string }>`
    update ${spends} as s set state = 'committed', expires_at = null
    from json_to_recordset(${spendList(group)}::json) as g(token text, balance_id text)
    where s.token = g.token and s.balance_id = g.balance_id
      and s.state in ('reserved', 'committed')
    returning s.token`.execute(db)
  const committed = new Set(rows.map((row) => row.token))
  return group.map((s) => committed.has(s.token))
}

/**
 * Releases a group of spends in ONE statement: deletes their rows (committed ones too: a release
 * undoes its own commit) and gives their sum back to each balance. Answers, per spend, whether
 * it was still there to give back. Called with spends of one balance, so it locks one balance row.
 */
export async function releaseGroup(
  db: Kysely<LedgerDatabase>,
  group: readonly CreditSpend[],
): Promise<boolean[]> {
  const { rows } = await sql<{ token: string }>`
    with gone as (
      delete from ${spends} as s
      using json_to_recordset(${spendList(group)}::json) as g(token text, balance_id text)
      where s.token = g.token and s.balance_id = g.balance_id
      returning s.token, s.balance_id, s.amount
    ), back as (
      update ${balances} as b set remaining = b.remaining + t.total, updated_at = now()
      from (select balance_id, sum(amount) as total from gone group by balance_id) as t
      where b.id = t.balance_id returning b.id
    )
    select gone.token from gone join back on back.id = gone.balance_id`.execute(db)
  const released = new Set(rows.map((row) => row.token))
  return group.map((s) => released.has(s.token))
}
