import assert from 'node:assert/strict'
import type { PaymentKey, PaymentRecord } from '@tx402/core'
import type { Kysely } from 'kysely'
import { type LedgerDatabase, paymentsTable } from '../schema.js'
import type { ClaimWorkerConfig, ClaimWorkerResult } from './claimWorker.js'
import { freshPayment } from './ledgerContract.js'
import { nextLine, spawnScript } from './spawnScript.js'

const wire = (record: PaymentRecord) => ({ ...record, amount: record.amount.toString() })

/**
 * Four processes, each with its own `redisPostgresLedger`, make 50 concurrent claims each (200
 * in all) on one fresh transaction through the whole flow, and 200 direct marks on another; checks
 * exactly one winner of each and both rows consumed in PostgreSQL. `spawned` collects the
 * processes so the caller's `after` can kill what is left.
 */
export async function raceFourProcesses(options: {
  ledger: Pick<ClaimWorkerConfig, 'redisUrl' | 'dbUrl' | 'keyPrefix' | 'dbPooling'>
  db: Kysely<LedgerDatabase>
  spawned: { child: { kill(signal: NodeJS.Signals): boolean }; exited: Promise<unknown> }[]
  isConsumed(key: PaymentKey): Promise<boolean>
}): Promise<void> {
  const flow = freshPayment()
  const direct = freshPayment()
  const workers = Array.from({ length: 4 }, () =>
    spawnScript('claimWorker.ts', 'TX402_CLAIM_WORKER', {
      ...options.ledger,
      claims: 50,
      flow: { key: flow.key, record: wire(flow.record) },
      direct: { key: direct.key, record: wire(direct.record) },
    } satisfies ClaimWorkerConfig),
  )
  options.spawned.push(...workers)
  for (const worker of workers) assert.equal(await nextLine(worker.lines), 'ready')
  for (const worker of workers) worker.child.stdin!.write('go\n')
  const results = await Promise.all(
    workers.map(async (w) => JSON.parse(await nextLine(w.lines)) as ClaimWorkerResult),
  )
  const flows = results.flatMap((r) => r.flow)
  const directs = results.flatMap((r) => r.direct)
  assert.equal(flows.length, 200)
  assert.equal(flows.filter((r) => r === 'won').length, 1, JSON.stringify(flows))
  assert.equal(directs.length, 200)
  assert.equal(directs.filter((r) => r === 'marked').length, 1, JSON.stringify(directs))
  assert.equal(await options.isConsumed(flow.key), true)
  assert.equal(await options.isConsumed(direct.key), true)
  const rows = await options.db
    .selectFrom(paymentsTable)
    .select('status')
    .where('tx_id', 'in', [flow.record.txId, direct.record.txId])
    .execute()
  assert.deepEqual(
    rows.map((r) => r.status),
    ['consumed', 'consumed'],
  )
}
