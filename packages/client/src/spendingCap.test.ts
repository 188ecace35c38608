import assert from 'node:assert/strict'
import { ConfigurationError, type WireAsset } from '@tx402/core'
import { capFor, defaultMaxAmount, validateMaxAmount } from './spendingCap.js'

const usdc: WireAsset = { standard: 'erc20', address: '0xa', symbol: 'USDC', decimals: 6 }
const eth: WireAsset = { standard: 'native', symbol: 'ETH', decimals: 18 }
const whole: WireAsset = { standard: 'spl', mint: 'm', symbol: 'PTS', decimals: 0 }

describe('spending cap', () => {
  it('defaults to 0.10 of the asset', () => {
    assert.equal(defaultMaxAmount, '0.10')
    assert.deepEqual(capFor(defaultMaxAmount, usdc), { amount: 100_000n, text: '0.1' })
    assert.equal(capFor(defaultMaxAmount, eth).amount, 10n ** 17n)
  })

  it('looks symbols up case-insensitively, with * for the rest', () => {
    assert.equal(capFor({ usdc: '2.5' }, usdc).amount, 2_500_000n)
    assert.equal(capFor({ USDC: '1', '*': '0.001' }, eth).amount, 10n ** 15n)
  })

  it('never pays an asset missing from a cap record without *', () => {
    assert.deepEqual(capFor({ USDC: '1' }, eth), { amount: 0n, text: '0' })
  })

  it('rounds a cap with more decimals than the asset down', () => {
    assert.equal(capFor('0.1234567', usdc).amount, 123_456n)
    assert.equal(capFor('0.9', whole).amount, 0n)
    assert.equal(capFor('3.9', whole).amount, 3n)
  })

  it('rejects caps that are not decimal strings at setup', () => {
    assert.throws(() => validateMaxAmount('1e3'), ConfigurationError)
    assert.throws(() => validateMaxAmount({ USDC: '-1' }), ConfigurationError)
    assert.throws(() => validateMaxAmount({ USDC: 1 as unknown as string }), ConfigurationError)
    validateMaxAmount({ USDC: '0.5', '*': '0' })
  })
})
