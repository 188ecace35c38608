import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { issueCreditToken, readCreditToken } from './creditToken.js'

const claims = {
  balanceId: 'ab'.repeat(16),
  scope: 'default',
  network: 'eip155:8453',
  asset: `0x${'11'.repeat(20)}`,
  payer: `0x${'33'.repeat(20)}`,
}

describe('credit token', () => {
  it('reads what it issued, again and again, as a fresh copy each time', () => {
    const key = randomBytes(32)
    const token = issueCreditToken(key, claims)
    assert.equal(issueCreditToken(key, { ...claims }), token, 'the same bytes for the same key')
    const first = readCreditToken([key], token)
    assert.deepEqual(first, claims)
    ;(first as typeof claims).scope = 'changed by a caller'
    assert.deepEqual(readCreditToken([key], token), claims)
  })

  it('refuses a token read before once its key is no longer listed, and an altered one', () => {
    const [old, current] = [randomBytes(32), randomBytes(32)]
    const token = issueCreditToken(old, claims)
    assert.deepEqual(readCreditToken([current, old], token), claims, 'a rotated-out key verifies')
    assert.equal(readCreditToken([current], token), 'forged', 'until it is dropped')
    assert.equal(readCreditToken([randomBytes(32)], token), 'forged')
    const other = issueCreditToken(current, claims)
    assert.notEqual(other, token)
    const [tag, body, signature] = token.split('.')
    const swapped = `${tag}.${body}.${other.split('.')[2]}`
    assert.equal(readCreditToken([old], swapped), 'forged')
    assert.equal(readCreditToken([old], `${tag}.${body}.${signature!.slice(0, 42)}`), 'malformed')
  })
})
