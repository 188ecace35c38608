import assert from 'node:assert/strict'
import { challengeKey, deriveReference, issueChallenge, verifyChallenge } from './challenge.js'
import { ConfigurationError, InvalidChallengeError } from './errors.js'

const key = challengeKey('a-test-secret-that-is-long-enough-000')
const resource = { method: 'GET', path: '/api/weather' }

describe('challenges', () => {
  it('verifies a challenge it issued, with its resource, times and nonce', () => {
    const now = Date.UTC(2026, 10, 22, 10, 0, 0)
    const challenge = issueChallenge(key, { ...resource, ttlSeconds: 900, now })
    const checked = verifyChallenge(key, challenge.id, { ...resource, now: now + 1000 })
    assert.equal(checked.issuedAt, now / 1000)
    assert.equal(checked.expiresAt, now / 1000 + 900)
    assert.equal(checked.method, 'GET')
    assert.equal(checked.path, '/api/weather')
    assert.equal(checked.nonce, challenge.nonce)
  })

  it('issues a different id each time', () => {
    const a = issueChallenge(key, { ...resource, ttlSeconds: 900 })
    const b = issueChallenge(key, { ...resource, ttlSeconds: 900 })
    assert.notEqual(a.id, b.id)
  })

  it('rejects a tampered payload', () => {
    const { id } = issueChallenge(key, { ...resource, ttlSeconds: 900 })
    const [tag, body, signature] = id.split('.')
    const payload = JSON.parse(Buffer.from(body!, 'base64url').toString())
    payload.exp += 100000
    const forged = `${tag}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${signature}`
    assert.throws(() => verifyChallenge(key, forged, resource), InvalidChallengeError)
  })

  it('rejects a tampered signature', () => {
    const { id } = issueChallenge(key, { ...resource, ttlSeconds: 900 })
    const flipped = id.slice(0, -2) + (id.endsWith('AA') ? 'BB' : 'AA')
    assert.throws(() => verifyChallenge(key, flipped, resource), /not issued by this server/)
  })

  it('rejects another spelling of a valid signature (the spare bits of its last character)', () => {
    const { id } = issueChallenge(key, { ...resource, ttlSeconds: 900 })
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
    const last = alphabet.indexOf(id.at(-1)!)
    // A 32-byte signature ends in a character whose two low bits carry no data.
    const respelled = id.slice(0, -1) + alphabet[last ^ 1]
    assert.equal(
      Buffer.from(respelled.split('.')[2]!, 'base64url').equals(
        Buffer.from(id.split('.')[2]!, 'base64url'),
      ),
      true,
    )
    assert.throws(() => verifyChallenge(key, respelled, resource), InvalidChallengeError)
  })

  it('rejects a challenge signed with another secret', () => {
    const foreign = issueChallenge(challengeKey('another-secret-that-is-long-enough-111'), {
      ...resource,
      ttlSeconds: 900,
    })
    assert.throws(() => verifyChallenge(key, foreign.id, resource), /not issued by this server/)
  })

  it('rejects a challenge for another resource', () => {
    const { id } = issueChallenge(key, { ...resource, ttlSeconds: 900 })
    assert.throws(
      () => verifyChallenge(key, id, { method: 'POST', path: '/api/weather' }),
      /another resource/,
    )
    assert.throws(
      () => verifyChallenge(key, id, { method: 'GET', path: '/api/other' }),
      /another resource/,
    )
  })

  it('rejects an expired challenge, and accepts it within the grace period', () => {
    const now = Date.now()
    const { id } = issueChallenge(key, { ...resource, ttlSeconds: 60, now })
    const later = now + 120_000
    assert.throws(() => verifyChallenge(key, id, { ...resource, now: later }), /expired/)
    assert.equal(verifyChallenge(key, id, { ...resource, now: later, graceSeconds: 120 }).id, id)
  })

  for (const garbage of [
    '',
    'c1',
    'c1..',
    'c1.e30.',
    'x1.abc.def',
    'c1.!!!.???',
    'c1.a.b.c',
    'a'.repeat(600),
  ]) {
    it(`rejects malformed id ${JSON.stringify(garbage.slice(0, 20))}`, () => {
      assert.throws(() => verifyChallenge(key, garbage, resource), InvalidChallengeError)
    })
  }

  it('refuses a secret shorter than 32 bytes', () => {
    assert.throws(() => challengeKey('short'), ConfigurationError)
  })

  it('derives a 32-byte reference deterministically from the challenge id', () => {
    const { id } = issueChallenge(key, { ...resource, ttlSeconds: 900 })
    const a = deriveReference(id)
    assert.equal(a.length, 32)
    assert.deepEqual(deriveReference(id), a)
    assert.notDeepEqual(deriveReference(`${id}x`), a)
  })
})
