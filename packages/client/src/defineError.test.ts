import assert from 'node:assert/strict'
import { BaseError } from '@tx402/core'
import { PaymentRejectedError, PaymentTimeoutError, SpendingCapError } from './errors.js'
import { TransferFeeError } from './refusals.js'

describe('client errors (defineError)', () => {
  it('keep their properties, name, message and details, and are BaseErrors', () => {
    const error = new SpendingCapError({ symbol: 'USDC', amount: '2', cap: '1', chain: 'base' })
    assert.ok(error instanceof SpendingCapError)
    assert.ok(error instanceof BaseError)
    assert.equal(error.name, 'SpendingCapError')
    assert.deepEqual(
      [error.symbol, error.amount, error.cap, error.chain],
      ['USDC', '2', '1', 'base'],
    )
    assert.equal(error.shortMessage, 'Refused to pay 2 USDC on base: the cap is 1.')
    assert.match(error.message, /Details: Raise maxAmount/)
    assert.ok(!(error instanceof TransferFeeError))
  })

  it('keep only the properties they name, and a cause', () => {
    const rejected = new PaymentRejectedError({ code: 'tx_too_old', message: 'old', status: 402 })
    assert.equal(rejected.serverMessage, 'old')
    assert.equal(rejected.details, undefined)
    assert.equal(rejected.txId, undefined)
    const cause = new Error('socket hang up')
    const timeout = new PaymentTimeoutError({ txId: '0xab', waiting: 'the server', cause })
    assert.equal(timeout.cause, cause)
    assert.equal(timeout.txId, '0xab')
    assert.ok(!('waiting' in timeout))
    const fee = new TransferFeeError('Mint1', 'the fee changes next epoch.')
    assert.equal(fee.mint, 'Mint1')
    assert.equal(fee.name, 'TransferFeeError')
  })
})
