import assert from 'node:assert/strict'
import { checkText, type Figure, verdict } from './figure.js'
import { withGoals } from './goals.js'

const throughputRow = (bench: string, metric: string, value: number, floor: number): Figure => ({
  bench,
  metric,
  unit: 'req/s',
  value,
  floor: { label: 'floor', value: floor },
  ratio: value / floor,
})

describe('withGoals', () => {
  it('judges a ratio against its goal: met at the line, NOT MET below it', () => {
    const [met, unmet] = withGoals([
      throughputRow('challenge', '402 challenge req/s', 5_000, 10_000),
      throughputRow('replay', 'consumed-tx req/s', 4_999, 10_000),
    ])
    assert.equal(checkText(met!), 'met (402 >= 0.5x)')
    assert.equal(checkText(unmet!), 'NOT MET (replay >= 0.5x)')
  })

  it('compares tx402’s added µs with x402-express’s from the same run', () => {
    const judged = withGoals([
      throughputRow('peer', '@tx402/koa 402 req/s', 8_000, 10_000), // adds 25 µs
      throughputRow('peer', 'x402-express 402 req/s', 5_000, 6_000), // adds 33 µs
    ])
    assert.equal(verdict(judged[0]!), 'met')
    assert.equal(verdict(judged[1]!), 'info')
  })

  it('leaves an exact count and a goal the benchmark set as they are', () => {
    const count: Figure = {
      bench: 'replay',
      metric: 'consumed-tx',
      unit: 'count',
      value: 1,
      expected: 0,
    }
    const own: Figure = {
      ...throughputRow('challenge', '402 challenge', 1, 10),
      goal: { text: 'x', met: true },
    }
    const [c, o] = withGoals([count, own])
    assert.equal(checkText(c!), 'FAIL (must be 0)')
    assert.equal(checkText(o!), 'met (x)')
  })

  it('shows a figure no rule names as info, never a failure', () => {
    const [row] = withGoals([throughputRow('someday', 'new figure', 1, 2)])
    assert.equal(checkText(row!), 'info')
    assert.equal(verdict(row!), 'info')
  })
})
