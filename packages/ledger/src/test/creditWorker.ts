// A separate process spending one balance through its own redisPostgresLedger (spawned by
// creditRedisPostgres.test.ts). It waits for "go" on stdin so all processes start together.
import { createInterface } from 'node:readline'
import { type CreditReservation, LedgerUnavailableError } from '@tx402/core'
import { redisPostgresLedger } from '../redisPostgresLedger.js'

export interface CreditWorkerConfig {
  redisUrl: string
  dbUrl: string
  keyPrefix: string
  reserves: number
  reservation: Omit<CreditReservation, 'amount'> & { amount: string }
}

const config = JSON.parse(process.env.TX402_CREDIT_WORKER!) as CreditWorkerConfig
const ledger = redisPostgresLedger({
  redis: config.redisUrl,
  db: config.dbUrl,
  keyPrefix: config.keyPrefix,
  logger: { info: console.error, warn: console.error, error: console.error },
})
const reservation = { ...config.reservation, amount: BigInt(config.reservation.amount) }
await ledger.credit.find(reservation.balanceId) // warm up the pool

process.stdout.write('ready\n')
for await (const line of createInterface({ input: process.stdin })) if (line === 'go') break

const statuses = await Promise.all(
  Array.from({ length: config.reserves }, async () => {
    try {
      const result = await ledger.credit.reserve(reservation)
      if (result.status === 'reserved') await ledger.credit.commit(result.spend)
      return result.status
    } catch (error) {
      if (error instanceof LedgerUnavailableError) return 'unavailable'
      throw error
    }
  }),
)
process.stdout.write(`${JSON.stringify(statuses)}\n`)
await ledger.close()
