import type { Lease, PaymentDetails, PaymentKey, StoredResponse } from '@tx402/core'
import { CompiledQuery } from 'kysely'
import { paymentsTable as table } from './schema.js'

// The statements on the path of every paid request, written once as SQL text: Kysely's query
// builder spent more CPU building and compiling the claim (about 0.2 ms a call) than PostgreSQL
// spent running it, and on a busy API process that CPU is the ledger's throughput. Each is one
// statement; $1-$4 are always the payment key (the primary key). Columns as in schema.ts.

const key = 'network = $1 and tx_id = $2 and pay_to = $3 and payer = $4'
const keyParameters = (k: PaymentKey) => [k.network, k.txId, k.payTo, k.payer]

// Inserts the claim, or takes over a claim that is this lease's own or whose lease lapsed;
// never a consumed row. The lapse time is counted on the database clock so claims compare as
// equals. Returns a row only when this lease now holds the claim.
const claimText = `insert into ${table}
  (network, tx_id, pay_to, payer, chain, asset, amount, resource, challenge_id, status, lease_token, claim_expires_at)
values ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'claimed', $10, now() + make_interval(secs => $11::double precision))
on conflict (network, tx_id, pay_to, payer) do update set
  chain = excluded.chain, asset = excluded.asset, amount = excluded.amount,
  resource = excluded.resource, challenge_id = excluded.challenge_id,
  lease_token = excluded.lease_token, claim_expires_at = excluded.claim_expires_at, updated_at = now()
where ${table}.status = 'claimed'
  and (${table}.lease_token = excluded.lease_token or ${table}.claim_expires_at <= now())
returning status`

/** The claim of `lease.key` for `lease`, lapsing when the lease does. */
export function claimStatement(lease: Lease, details: PaymentDetails) {
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

// Also 'consumed': a retry after a commit whose reply was lost succeeds, keeping the first
// commit's time (and its kept response, which is the same).
const consumeSet = `status = 'consumed', claim_expires_at = null,
  consumed_at = coalesce(consumed_at, now()), updated_at = now()`
const consumeWhere = `where ${key} and lease_token = $5 and status in ('claimed', 'consumed')
returning status`
const consumeText = `update ${table} set ${consumeSet} ${consumeWhere}`
const consumeKeepingText = `update ${table}
set ${consumeSet}, response_status = $6, response_headers = $7, response_body = $8
${consumeWhere}`

/** This lease's claim → consumed, keeping `response` for its re-delivery when given. */
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

// Also this lease's own consumed row: a release after a commit is a commit whose reply was lost
// (the response was not served), so the payment must be usable again.
const unclaimText = `delete from ${table}
where ${key} and lease_token = $5 and status in ('claimed', 'consumed')
returning status`

/** Deletes this lease's row, claimed or consumed. */
export function unclaimStatement(lease: Lease) {
  return CompiledQuery.raw(unclaimText, [...keyParameters(lease.key), lease.token])
}
