import assert from 'node:assert/strict'
import { InvalidAmountError } from './errors.js'
import { formatAmount, parseAmount, parseBaseUnits } from './money.js'

describe('parseAmount', () => {
  it('converts a decimal price to base units exactly', () => {
    assert.equal(parseAmount('0.01', 6), 10000n)
    assert.equal(parseAmount('1', 6), 1000000n)
    assert.equal(parseAmount('123.456789', 6), 123456789n)
    assert.equal(parseAmount('0', 6), 0n)
    assert.equal(parseAmount('7', 0), 7n)
  })

  it('keeps precision far beyond a float', () => {
    assert.equal(
      parseAmount('123456789012345678.123456789012345678', 18),
      123456789012345678123456789012345678n,
    )
  })

  for (const bad of [
    '',
    ' 1',
    '1 ',
    '-1',
    '+1',
    '1e3',
    '1E-2',
    '.5',
    '5.',
    '01',
    '0x10',
    'abc',
    '1,5',
    'NaN',
    'Infinity',
    '1.2.3',
  ]) {
    it(`rejects ${JSON.stringify(bad)}`, () => {
      assert.throws(() => parseAmount(bad, 6), InvalidAmountError)
    })
  }

  it('rejects more decimal places than the asset has', () => {
    assert.throws(() => parseAmount('0.0000001', 6), /7 decimal places; this asset has 6/)
  })

  it('rejects impossible decimals', () => {
    assert.throws(() => parseAmount('1', -1), InvalidAmountError)
    assert.throws(() => parseAmount('1', 1.5), InvalidAmountError)
  })
})

describe('formatAmount', () => {
  it('formats base units without trailing zeros', () => {
    assert.equal(formatAmount(10000n, 6), '0.01')
    assert.equal(formatAmount(1000000n, 6), '1')
    assert.equal(formatAmount(1n, 18), '0.000000000000000001')
    assert.equal(formatAmount(0n, 6), '0')
  })

  it('round-trips with parseAmount', () => {
    for (const value of ['0.01', '10', '0.123456', '999999999.999999']) {
      assert.equal(formatAmount(parseAmount(value, 6), 6), value)
    }
  })

  it('rejects negative amounts', () => {
    assert.throws(() => formatAmount(-1n, 6), InvalidAmountError)
  })
})

describe('parseBaseUnits', () => {
  it('reads the wire form of an amount', () => {
    assert.equal(parseBaseUnits('10000'), 10000n)
  })

  for (const bad of ['', '-1', '1.0', '1e3', '010', ' 1']) {
    it(`rejects ${JSON.stringify(bad)}`, () => {
      assert.throws(() => parseBaseUnits(bad), InvalidAmountError)
    })
  }
})
