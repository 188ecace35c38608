import assert from 'node:assert/strict'
import { countsBetween, describePerOp } from './countingRedis.js'

describe('countingRedis helpers', () => {
  it('takes the commands sent between two snapshots, leaving out those not sent again', () => {
    assert.deepEqual(countsBetween({ hello: 1, exists: 5 }, { hello: 1, exists: 9, set: 2 }), {
      exists: 4,
      set: 2,
    })
  })

  it('writes commands per operation, leaving out what rounds to zero', () => {
    assert.equal(
      describePerOp({ exists: 1000, set: 500, hello: 1 }, 1000),
      '1.50 (exists 1.00, set 0.50)',
    )
    assert.equal(describePerOp({}, 10), '0.00')
  })
})
