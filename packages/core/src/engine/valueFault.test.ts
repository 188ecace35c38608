import assert from 'node:assert/strict'
import { LedgerUnavailableError } from '../errors.js'
import type { Ledger } from '../ledger.js'
import { memoryLedger } from '../memoryLedger.js'
import { engineOn, hash, status } from '../test/engineSupport.js'
import { scriptedChain } from '../testing/scriptedChain.js'
import type { Outcome } from './outcome.js'
import { isValueFault } from './valueFault.js'

// A fault on a value is never answered 503 "retry the same headers": retrying repeats it until
// the challenge expires (issue 26, item 9). A dependency that is down still is.
describe('faults on a value (valueFault.ts)', () => {
  const secret = 'value-fault-secret-at-least-32-bytes!!!'
  const errorOf = (outcome: Outcome) =>
    outcome.type === 'error' ? outcome.body.error : outcome.type

  it('tells a refused value (RangeError, SQLSTATE class 22, in the cause chain) from a fault', () => {
    assert.equal(isValueFault(new RangeError('a grant of 0')), true)
    const wrapped = new LedgerUnavailableError('The ledger failed.', {
      cause: new RangeError('mark: a credit grant needs a positive bigint amount'),
    })
    assert.equal(isValueFault(wrapped), true)
    const outOfRange = Object.assign(new Error('numeric field overflow'), { code: '22003' })
    assert.equal(isValueFault(new LedgerUnavailableError('x', { cause: outOfRange })), true)
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })
    assert.equal(isValueFault(new LedgerUnavailableError('x', { cause: refused })), false)
    assert.equal(isValueFault(new TypeError('fetch failed')), false)
    assert.equal(isValueFault('a string'), false)
  })

  it('answers 500 server_error, nothing consumed, when the ledger refuses a value; 503 when it is down', async () => {
    const chain = scriptedChain()
    const ledger = memoryLedger()
    let failure: Error | undefined
    const failing: Ledger = {
      ...ledger,
      mark: async (...args) => {
        if (failure) throw failure
        return ledger.mark(...args)
      },
    }
    const engine = engineOn(chain.plugin, { asset: 'USDC', secret, ledger: failing })
    const pay = () =>
      engine.handle({
        method: 'GET',
        path: '/api/weather',
        headers: { 'x-payment-tx': [hash(1)], 'x-payment-chain': ['testnet'] },
      })
    chain.pay(hash(1))

    failure = new LedgerUnavailableError('The ledger failed.', { cause: new RangeError('bad') })
    const refused = await pay()
    assert.equal(status(refused), 500)
    assert.equal(errorOf(refused), 'server_error')
    assert.equal((refused as { headers: Record<string, string> }).headers['retry-after'], undefined)
    assert.doesNotMatch(JSON.stringify(refused), /RangeError|bad/)

    failure = new LedgerUnavailableError('The ledger failed.', {
      cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
    })
    const down = await pay()
    assert.equal(status(down), 503)
    assert.equal(errorOf(down), 'verifier_unavailable')

    // Nothing was consumed either time: the payment serves once the ledger takes it.
    failure = undefined
    const served = await pay()
    assert.equal(served.type, 'paid')
  })
})
