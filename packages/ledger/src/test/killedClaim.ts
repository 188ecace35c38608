// Takes and marks a payment, says so, then hangs until the test kills it with SIGKILL: a
// crashed process that never commits nor releases.
import type { PaymentKey, PaymentRecord } from '@tx402/core'
import { redisPostgresLedger } from '../redisPostgresLedger.js'

const config = JSON.parse(process.env.TX402_KILLED_CLAIM!) as {
  redisUrl: string
  dbUrl: string
  keyPrefix: string
  key: PaymentKey
  ttlMs: number
  record: Omit<PaymentRecord, 'amount'> & { amount: string }
}
const ledger = redisPostgresLedger({
  redis: config.redisUrl,
  db: config.dbUrl,
  keyPrefix: config.keyPrefix,
})
const lease = await ledger.acquire(config.key, config.ttlMs)
if (!lease) throw new Error('the lease was not granted')
const marked = await ledger.mark(lease, { ...config.record, amount: BigInt(config.record.amount) })
process.stdout.write(`${marked}\n`)
setInterval(() => {}, 60_000)
