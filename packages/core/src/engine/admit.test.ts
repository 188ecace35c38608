import assert from 'node:assert/strict'
import type { Ledger } from '../ledger.js'
import { memoryLedger } from '../memoryLedger.js'
import { attemptOn } from '../test/engineSupport.js'
import { admissionFor } from './admit.js'
import type { ClientLimiter } from './limits.js'
import { isRefusal, refuse } from './refusal.js'

const attempt = (n: number) => attemptOn(n)

describe('admissionFor (step 2)', () => {
  it('holds a slot per verification until freed, and refuses past the cap', async () => {
    const admission = admissionFor({ maxConcurrentVerifications: 2 }, memoryLedger())
    const one = await admission.admit(attempt(1), undefined)
    const two = await admission.admit(attempt(2), undefined)
    const three = await admission.admit(attempt(3), undefined)
    assert.equal(isRefusal(three) && three.refuse, 'rate_limited')
    assert.ok(!isRefusal(one) && !isRefusal(two))
    one.free()
    one.free() // idempotent: frees one slot only
    assert.ok(!isRefusal(await admission.admit(attempt(3), undefined)))
    assert.ok(isRefusal(await admission.admit(attempt(4), undefined)))
  })

  it('answers a transaction the chain did not know from memory, for notFoundCacheMs', async () => {
    const admission = admissionFor({ notFoundCacheMs: 60_000 }, memoryLedger())
    const cached = admission.notFound(attempt(1), refuse('tx_not_found', 'Not found.'))
    assert.equal(cached.retryAfterSeconds, 60)
    const again = await admission.admit(attempt(1), undefined)
    assert.equal(isRefusal(again) && again.refuse, 'tx_not_found')
    assert.ok(isRefusal(again) && again.retryAfterSeconds! >= 59)
    assert.ok(!isRefusal(await admission.admit(attempt(2), undefined)), 'other transactions pass')
    const off = admissionFor({ notFoundCacheMs: 0 }, memoryLedger())
    off.notFound(attempt(1), refuse('tx_not_found', 'Not found.'))
    assert.ok(!isRefusal(await off.admit(attempt(1), undefined)))
  })

  it("counts per client with the ledger's limiter when it offers one", async () => {
    const taken: string[] = []
    const shared: ClientLimiter = {
      take: async (client) => {
        taken.push(client)
        return taken.length > 1 ? 30 : 0
      },
    }
    const ledger: Ledger = { ...memoryLedger(), clientLimiter: () => shared }
    const admission = admissionFor({ perClient: { max: 5, windowMs: 60_000 } }, ledger)
    assert.ok(!isRefusal(await admission.admit(attempt(1), 'a')))
    const refused = await admission.admit(attempt(2), 'a')
    assert.deepEqual(isRefusal(refused) && [refused.refuse, refused.retryAfterSeconds], [
      'rate_limited',
      30,
    ])
    assert.deepEqual(taken, ['a', 'a'])
  })

  it('refuses a per-client limit that cannot count, at setup', () => {
    assert.throws(() => admissionFor({ perClient: { max: 0, windowMs: 1000 } }, memoryLedger()))
    assert.throws(() => admissionFor({ perClient: { max: 1, windowMs: -1 } }, memoryLedger()))
  })
})
