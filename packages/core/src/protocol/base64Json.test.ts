import assert from 'node:assert/strict'
import { BaseError } from '../errors.js'
import { decodeBase64Json, encodeBase64Json } from './base64Json.js'

describe('base64 JSON headers', () => {
  it('encodes standard base64 of UTF-8 JSON', () => {
    const value = { message: 'costs 0.01 USDC — ünïcode', amount: '10000' }
    const encoded = encodeBase64Json(value)
    assert.equal(encoded, Buffer.from(JSON.stringify(value), 'utf8').toString('base64'))
    assert.deepEqual(decodeBase64Json(encoded), value)
  })

  it('rejects what is not base64 JSON', () => {
    assert.throws(() => decodeBase64Json('%%%'), BaseError)
    assert.throws(() => decodeBase64Json(Buffer.from('not json').toString('base64')), BaseError)
    assert.throws(() => decodeBase64Json(Buffer.from([0xff, 0xfe]).toString('base64')), BaseError)
  })
})
