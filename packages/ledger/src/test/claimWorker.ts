// A separate process racing for payments through its own redisPostgresLedger (spawned by
// redisPostgresLedger.test.ts). It waits for "go" on stdin so all processes start together.
import { createInterface } from 'node:readline'
import {
  type Lease,
  LedgerUnavailableError,
  type MarkResult,
  type PaymentKey,
  type PaymentRecord,
} from '@tx402/core'
import { redisPostgresLedger } from '../redisPostgresLedger.js'
import { claimOnce } from './ledgerContract.js'

export interface ClaimWorkerConfig {
  redisUrl: string
  dbUrl: string
  keyPrefix: string
  /** `'transaction'` when `dbUrl` is PgBouncer in transaction pooling mode. */
  dbPooling?: 'session' | 'transaction'
  claims: number
  /** Raced through the whole flow: replay check, in-flight lock, mark, commit. */
  flow: { key: PaymentKey; record: Omit<PaymentRecord, 'amount'> & { amount: string } }
  /** Raced at mark with leases of their own, as if the in-flight lock had been lost. */
  direct: { key: PaymentKey; record: Omit<PaymentRecord, 'amount'> & { amount: string } }
}

export interface ClaimWorkerResult {
  flow: string[]
  direct: (MarkResult | 'unavailable')[]
}

const config = JSON.parse(process.env.TX402_CLAIM_WORKER!) as ClaimWorkerConfig
const revive = (record: ClaimWorkerConfig['flow']['record']): PaymentRecord => ({
  ...record,
  amount: BigInt(record.amount),
})
const ledger = redisPostgresLedger({
  redis: config.redisUrl,
  db: config.dbUrl,
  keyPrefix: config.keyPrefix,
  // stdout carries the answer: the ledger's Redis lines go to stderr.
  logger: { info: console.error, warn: console.error, error: console.error },
  ...(config.dbPooling ? { dbPooling: config.dbPooling } : {}),
})
// Warm up both connections so the race is not decided by who connected first.
await ledger.isConsumed(config.flow.key)

process.stdout.write('ready\n')
for await (const line of createInterface({ input: process.stdin })) if (line === 'go') break

// A 503 (the database busy past its timeouts on a loaded machine) is an answer, not a crash.
const answered = <T>(attempt: Promise<T>) =>
  attempt.catch((error: unknown) => {
    if (error instanceof LedgerUnavailableError) return 'unavailable' as const
    throw error
  })
const flowRecord = revive(config.flow.record)
const directRecord = revive(config.direct.record)
const [flow, direct] = await Promise.all([
  Promise.all(
    Array.from({ length: config.claims }, () =>
      answered(claimOnce(ledger, config.flow.key, flowRecord)),
    ),
  ),
  Promise.all(
    Array.from({ length: config.claims }, async (_, i) => {
      const lease: Lease = {
        key: config.direct.key,
        token: `${process.pid}-${i}`,
        expiresAt: Date.now() + 30_000,
      }
      return answered(
        (async () => {
          const result = await ledger.mark(lease, directRecord)
          if (result === 'marked') await ledger.commit(lease)
          return result
        })(),
      )
    }),
  ),
])
const result: ClaimWorkerResult = { flow, direct }
process.stdout.write(`${JSON.stringify(result)}\n`)
await ledger.close?.()
