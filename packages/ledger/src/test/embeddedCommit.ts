// Commits one payment in an embedded ledger, says so, then hangs until the test kills it with
// SIGKILL: a process that dies without closing its database.
import type { PaymentKey, PaymentRecord } from '@tx402/core'
import { embeddedLedger } from '../embeddedLedger.js'

const config = JSON.parse(process.env.TX402_EMBEDDED_COMMIT!) as {
  dataDir: string
  key: PaymentKey
  record: Omit<PaymentRecord, 'amount'> & { amount: string }
}
const ledger = embeddedLedger({ dataDir: config.dataDir })
const lease = await ledger.acquire(config.key, 30_000)
if (!lease) throw new Error('the lease was not granted')
const marked = await ledger.mark(lease, { ...config.record, amount: BigInt(config.record.amount) })
if (marked !== 'marked') throw new Error(`mark answered ${marked}`)
await ledger.commit(lease)
process.stdout.write('committed\n')
setInterval(() => {}, 60_000)
