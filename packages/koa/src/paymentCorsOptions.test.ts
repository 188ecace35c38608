import assert from 'node:assert/strict'
import { paymentCorsOptions } from './paymentCorsOptions.js'

describe('paymentCorsOptions', () => {
  it("keeps the app's headers first, once each whatever their case, then tx402's", () => {
    const options = paymentCorsOptions({
      allowHeaders: ['Content-Type', 'content-type', 'X-Payment-Tx'],
      exposeHeaders: ['retry-after', 'X-Request-Id'],
    })
    assert.deepEqual(options.allowHeaders, [
      'Content-Type',
      'X-Payment-Tx',
      'x-payment-chain',
      'x-payment-challenge',
      'x-payment-proof',
      'x-payment-credit',
    ])
    assert.deepEqual(options.exposeHeaders, [
      'retry-after',
      'X-Request-Id',
      'PAYMENT-REQUIRED',
      'PAYMENT-RESPONSE',
      'PAYMENT-CREDIT',
    ])
  })

  it('takes a comma-separated string as @koa/cors does, rather than spreading its letters', () => {
    const options = paymentCorsOptions({
      allowHeaders: 'Content-Type, Authorization,,',
      exposeHeaders: ' X-Request-Id ',
    })
    assert.deepEqual(options.allowHeaders.slice(0, 2), ['Content-Type', 'Authorization'])
    assert.equal(options.allowHeaders.length, 7)
    assert.deepEqual(options.exposeHeaders[0], 'X-Request-Id')
  })
})
