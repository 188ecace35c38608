import assert from 'node:assert/strict'
import { encodeBase64Json, type PaymentRequiredBody } from '@tx402/core'
import { isPaymentRequiredBody, readErrorBody } from './readErrorBody.js'

const challengeBody: PaymentRequiredBody = {
  error: 'payment_required',
  message: 'This resource costs 0.01 USDC.',
  resource: { method: 'GET', path: '/api/weather' },
  cost: { amount: '0.01', currency: 'USDC' },
  challenge: { id: 'c1.abc.def', expiresAt: '2026-11-22T10:15:00.000Z' },
  accepts: [
    {
      chain: 'base',
      network: 'eip155:8453',
      asset: {
        standard: 'erc20',
        address: '0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913',
        symbol: 'USDC',
        decimals: 6,
      },
      amount: '10000',
      payTo: '0x000000000000000000000000000000000000bEEF',
      minConfirmations: 2,
      maxAgeSeconds: 900,
    },
  ],
}

describe('readErrorBody', () => {
  it('reads a 402 body given as JSON text', () => {
    const body = readErrorBody(JSON.stringify(challengeBody))
    assert.deepEqual(body, challengeBody)
    assert.ok(body && isPaymentRequiredBody(body))
  })

  it('falls back to the PAYMENT-REQUIRED header when the body is not a tx402 body', () => {
    const body = readErrorBody('<html>402</html>', encodeBase64Json(challengeBody))
    assert.equal(body?.challenge?.id, 'c1.abc.def')
    assert.equal(body?.accepts?.[0]?.amount, '10000')
  })

  it('prefers the header when the body is a 402 without accepts', () => {
    const stripped = { error: 'payment_required', message: 'pay' }
    const body = readErrorBody(stripped, encodeBase64Json(challengeBody))
    assert.equal(body?.accepts?.length, 1)
  })

  it('returns undefined for a route error that is not a tx402 code', () => {
    assert.equal(readErrorBody({ error: 'not_found', message: 'No such city.' }), undefined)
    assert.equal(readErrorBody('not json'), undefined)
    assert.equal(readErrorBody(undefined, 'not base64 json'), undefined)
  })

  it('keeps the server error code and message of other errors', () => {
    const body = readErrorBody({ error: 'verifier_unavailable', message: 'Retry later.' })
    assert.deepEqual(body, { error: 'verifier_unavailable', message: 'Retry later.' })
  })

  it('drops accepts entries that are not well formed', () => {
    const [good] = challengeBody.accepts
    const body = readErrorBody({
      ...challengeBody,
      accepts: [
        { ...good, amount: '1e4' },
        { ...good, amount: '-5' },
        { ...good, amount: 10000 },
        { ...good, asset: { ...good!.asset, decimals: 1.5 } },
        { ...good, asset: { standard: 'erc721', symbol: 'NFT', decimals: 0 } },
        { ...good, network: 'base' },
        good,
      ],
    })
    assert.deepEqual(body?.accepts, [good])
  })

  it('does not count a 402 without a challenge as payable', () => {
    const body = readErrorBody({ ...challengeBody, challenge: undefined })
    assert.ok(body)
    assert.equal(isPaymentRequiredBody(body), false)
  })
})
