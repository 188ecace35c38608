import assert from 'node:assert/strict'
import { formatNumber, formatTable } from './formatTable.js'

describe('formatNumber', () => {
  it('writes integers with separators and others with three significant digits', () => {
    assert.equal(formatNumber(12345), '12,345')
    assert.equal(formatNumber(12345.6), '12,346')
    assert.equal(formatNumber(0.04567), '0.0457')
    assert.equal(formatNumber(1.2345), '1.23')
    assert.equal(formatNumber(42.345), '42.3')
    assert.equal(formatNumber(0), '0')
    assert.equal(formatNumber(Number.NaN), 'n/a')
  })
})

describe('formatTable', () => {
  const table = formatTable([
    {
      bench: 'replay',
      metric: 'consumed-tx req/s',
      unit: 'req/s',
      value: 4000,
      floor: { label: 'bare Koa', value: 8000 },
      ratio: 0.5,
    },
    { bench: 'replay', metric: 'RPC calls', unit: 'count', value: 2, expected: 0 },
  ])
  const lines = table.split('\n')

  it('writes a header, a rule and one row per figure, all of one width', () => {
    assert.equal(lines.length, 4)
    assert.match(lines[1]!, /^\|-+\|/)
    assert.equal(new Set(lines.map((l) => l.length)).size, 1)
  })

  it('shows the floor, the ratio, and a failed exact count', () => {
    assert.match(lines[2]!, /\| 4,000 req\/s +\| 8,000 req\/s \(bare Koa\) +\| 0\.5× /)
    assert.match(lines[3]!, /\| FAIL \(must be 0\) /)
  })
})
