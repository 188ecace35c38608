import assert from 'node:assert/strict'
import { medianRound, type Throughput } from './compareThroughput.js'

describe('medianRound', () => {
  const throughput: Throughput = {
    rounds: { bare: [10_000, 40_000, 20_000], paid: [5_000, 8_000, 4_000] },
    answers: {},
  }

  it('takes the round whose ratio is the median, so value / floor is the ratio shown', () => {
    // Ratios by round: 0.5, 0.2, 0.2 → median 0.2; the first 0.2 in order is kept.
    const pair = medianRound(throughput, 'paid', 'bare')
    assert.equal(pair.ratio, 0.2)
    assert.equal(pair.value / pair.floor, pair.ratio)
    assert.ok([8_000, 4_000].includes(pair.value))
  })

  it('says what the subject adds per request in that round', () => {
    const pair = medianRound(
      { rounds: { bare: [40_000], paid: [10_000] }, answers: {} },
      'paid',
      'bare',
    )
    assert.equal(pair.addedMicroseconds, 75)
  })

  it('is NaN for a label that was not measured', () => {
    assert.ok(Number.isNaN(medianRound(throughput, 'missing', 'bare').ratio))
  })
})
