import assert from 'node:assert/strict'
import { paddedBody } from './paddedBody.js'

describe('paddedBody', () => {
  it('serializes to exactly the asked length', () => {
    for (const bytes of [30, 700, 1543])
      assert.equal(JSON.stringify(paddedBody(bytes)).length, bytes)
  })
})
