import assert from 'node:assert/strict'
import { addedMicroseconds, median, percentile, ratio } from './stats.js'

describe('percentile', () => {
  it('takes the nearest rank, whatever the order of the samples', () => {
    const samples = [9, 1, 8, 2, 7, 3, 6, 4, 5, 10]
    assert.equal(percentile(samples, 50), 5)
    assert.equal(percentile(samples, 90), 9)
    assert.equal(percentile(samples, 99), 10)
    assert.equal(percentile(samples, 100), 10)
    assert.equal(percentile(samples, 0), 1)
  })

  it('answers the only sample for any p, and NaN for no samples', () => {
    assert.equal(percentile([42], 1), 42)
    assert.equal(percentile([42], 99), 42)
    assert.ok(Number.isNaN(percentile([], 50)))
  })

  it('does not reorder the caller’s array', () => {
    const samples = [3, 1, 2]
    percentile(samples, 50)
    assert.deepEqual(samples, [3, 1, 2])
  })

  it('rejects a p outside 0 to 100', () => {
    assert.throws(() => percentile([1], 101), RangeError)
    assert.throws(() => percentile([1], -1), RangeError)
  })
})

describe('median', () => {
  it('averages the two middle samples of an even count', () => {
    assert.equal(median([4, 1, 3, 2]), 2.5)
    assert.equal(median([5, 1, 3]), 3)
    assert.ok(Number.isNaN(median([])))
  })
})

describe('ratio', () => {
  it('divides by the floor, and is NaN when the floor is 0 or missing', () => {
    assert.equal(ratio(500, 1000), 0.5)
    assert.ok(Number.isNaN(ratio(1, 0)))
    assert.ok(Number.isNaN(ratio(Number.NaN, 1)))
  })
})

describe('addedMicroseconds', () => {
  it('is the time per request a path adds over its floor', () => {
    assert.equal(addedMicroseconds(10_000, 40_000), 75)
    assert.ok(Number.isNaN(addedMicroseconds(0, 40_000)))
  })
})
