import assert from 'node:assert/strict'
import { createHash, createHmac } from 'node:crypto'
import { hmacSha256, nativeHmacSha256, pureHmacSha256, sha256OfText } from './hmacSha256.js'

describe('HMAC-SHA256 of challenges', () => {
  const keys = [new Uint8Array(32).fill(7), new TextEncoder().encode('k'.repeat(100))]
  const messages = ['', 'c2.eyJyIjoi', 'x'.repeat(300), 'ünïcode — 🚀']

  it('gives the same bytes native, pure-JS (twice per key, from its cloned schedule) and chosen', () => {
    const native = nativeHmacSha256()
    assert.ok(native, 'Node 20.16+ offers process.getBuiltinModule')
    const pure = pureHmacSha256()
    for (const key of keys) {
      for (const message of [...messages, ...messages]) {
        const expected = createHmac('sha256', key).update(message, 'utf8').digest('hex')
        assert.equal(Buffer.from(native(key, message)).toString('hex'), expected)
        assert.equal(Buffer.from(pure(key, message)).toString('hex'), expected)
        assert.equal(Buffer.from(hmacSha256(key, message)).toString('hex'), expected)
      }
    }
  })

  it('hashes text with SHA-256 as node:crypto does', () => {
    for (const message of messages) {
      const expected = createHash('sha256').update(message, 'utf8').digest('hex')
      assert.equal(Buffer.from(sha256OfText(message)).toString('hex'), expected)
    }
  })
})
