import type { Lease, PaymentDetails, PaymentKey, StoredResponse } from '@tx402/core'
import { CompiledQuery } from 'kysely'
import { grantColumns } from './creditGrant.js'
import { creditBalancesTable, paymentsTable as table } from './schema.js'

// The statements on the path of every paid request, written once as SQL text: Kysely's query
// builder spent more CPU building and compiling the claim (about 0.2 ms a call) than PostgreSQL
// spent running it, and on a busy API process that CPU is the ledger's throughput. Each is one
// statement; $1-$4 are always the payment key (the primary key). Columns as in schema.ts.

const key = 'network = $1 and tx_id = $2 and pay_to = $3 and payer = $4'
const keyParameters = (k: PaymentKey) => [k.network, k.txId, k.payTo, k.payer]

// Inserts the claim, or takes over a claim that is this lease's own or whose lease lapsed;
// never a consumed row. The lapse time is counted on the database clock so claims compare as
// equals. Returns a row only when this lease now holds the claim.
// The credit columns hold the grant (docs/protocol.md section 7.2) that the commit applies.
const claimText = `insert into ${table}
  (network, tx_id, pay_to, payer, chain, asset, amount, resource, challenge_id, status, lease_token, claim_expires_at,
   credit_balance_id, credit_scope, credit_amount, credit_expires_at, credit_applied)
values ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'claimed', $10, now() + make_interval(secs => $11::double precision),
   $12, $13, $14, $15, null)
on conflict (network, tx_id, pay_to, payer) do update set
  chain = excluded.chain, asset = excluded.asset, amount = excluded.amount,
  resource = excluded.resource, challenge_id = excluded.challenge_id,
  credit_balance_id = excluded.credit_balance_id, credit_scope = excluded.credit_scope,
  credit_amount = excluded.credit_amount, credit_expires_at = excluded.credit_expires_at,
  lease_token = excluded.lease_token, claim_expires_at = excluded.claim_expires_at, updated_at = now()
where ${table}.status = 'claimed'
  and (${table}.lease_token = excluded.lease_token or ${table}.claim_expires_at <= now())
returning status`

/** The claim of `lease.key` for `lease`, lapsing when the lease does. */
export function claimStatement(lease: Lease, details: PaymentDetails) {
  const grant = grantColumns(lease.key, details)
  const seconds = Math.max(0, lease.expiresAt - Date.now()) / 1000
  return CompiledQuery.raw(claimText, [
    ...keyParameters(lease.key),
    details.chain,
    details.asset,
    details.amount.toString(),
    details.resource,
    details.challengeId ?? null,
    lease.token,
    seconds,
    grant.credit_balance_id,
    grant.credit_scope,
    grant.credit_amount,
    grant.credit_expires_at,
  ])
}

const heldText = `select status, claim_expires_at > now() as live from ${table} where ${key}`

/** Who holds `key` now: its row's status, and whether a claim on it is live. */
export function heldStatement(k: PaymentKey) {
  return CompiledQuery.raw(heldText, keyParameters(k))
}

const consumedText = `select status from ${table} where ${key} and status = 'consumed'`

/** The row of `key` if it is consumed. */
export function consumedStatement(k: PaymentKey) {
  return CompiledQuery.raw(consumedText, keyParameters(k))
}

const renewText = `update ${table}
set claim_expires_at = now() + make_interval(secs => $6::double precision)
where ${key} and lease_token = $5 and status = 'claimed'
returning status`

/** Moves this lease's claim to lapse `ttlMs` from now (database clock). */
export function renewStatement(lease: Lease, ttlMs: number) {
  return CompiledQuery.raw(renewText, [...keyParameters(lease.key), lease.token, ttlMs / 1000])
}

// The pending credit grant lands in the same statement as the status change, on claimed →
// consumed only: the CTE reads the payment row `for update` while it is still claimed, so a
// commit retried after a lost reply (or racing itself) finds it consumed and grants nothing. A
// top-up adds only to a balance of the same scope, network, asset, payer and payee
// (creditGrant.ts), and moves its expiry to the grant's when that is later (never earlier). One
// that expired after the top-up was checked (a long handler) keeps only the top-up, with the
// grant's expiry: the payer paid for it, and what had expired stays expired.
const grantedCte = `with granted as (
  insert into ${creditBalancesTable} as b (id, scope, network, asset, payer, remaining, expires_at,
    opened_by_network, opened_by_tx_id, opened_by_pay_to, opened_by_payer)
  (select p.credit_balance_id, p.credit_scope, p.network, p.asset, p.payer, p.credit_amount,
      p.credit_expires_at, p.network, p.tx_id, p.pay_to, p.payer
    from ${table} as p
    where p.network = $1 and p.tx_id = $2 and p.pay_to = $3 and p.payer = $4
      and p.lease_token = $5 and p.status = 'claimed' and p.credit_balance_id is not null
    for update)
  on conflict (id) do update set updated_at = now(),
    remaining = case when b.expires_at <= now() then excluded.remaining
      else b.remaining + excluded.remaining end,
    expires_at = case when b.expires_at <= now() then excluded.expires_at
      when b.expires_at is null or excluded.expires_at is null then null
      else greatest(b.expires_at, excluded.expires_at) end
    where b.scope = excluded.scope and b.network = excluded.network and b.asset = excluded.asset
      and b.payer = excluded.payer and b.opened_by_pay_to = excluded.opened_by_pay_to
  returning b.id)`

// Also 'consumed': a retry after a commit whose reply was lost succeeds, keeping the first
// commit's time (and its kept response, which is the same).
const consumeSet = `status = 'consumed', claim_expires_at = null,
  credit_applied = case when ${table}.status = 'claimed' and credit_balance_id is not null
    then exists (select 1 from granted) else credit_applied end,
  consumed_at = coalesce(consumed_at, now()), updated_at = now()`
const consumeWhere = `where ${key} and lease_token = $5 and status in ('claimed', 'consumed')
returning status`
const consumeText = `${grantedCte} update ${table} set ${consumeSet} ${consumeWhere}`
const consumeKeepingText = `${grantedCte} update ${table}
set ${consumeSet}, response_status = $6, response_headers = $7, response_body = $8
${consumeWhere}`

/** This lease's claim → consumed (applying its credit grant), keeping `response` for its re-delivery when given. */
export function consumeStatement(lease: Lease, response?: StoredResponse) {
  const parameters = [...keyParameters(lease.key), lease.token]
  if (!response) return CompiledQuery.raw(consumeText, parameters)
  return CompiledQuery.raw(consumeKeepingText, [
    ...parameters,
    response.status,
    JSON.stringify(response.headers),
    response.body,
  ])
}
