import assert from 'node:assert/strict'
import { base64, base64urlnopad } from '@scure/base'
import { base64OfText, base64UrlOfBytes, base64UrlOfText } from './base64Text.js'

const texts = ['', 'a', 'ab', 'abc', '{"n":"+/?>~"}', 'costs 0.01 USDC — ünïcode 🚀', '\x7f\x00']

describe('base64 of text and bytes', () => {
  it('spells text as the pure-JS encoders do, ASCII or not', () => {
    const encoder = new TextEncoder()
    for (const text of texts) {
      assert.equal(base64OfText(text), base64.encode(encoder.encode(text)), text)
      assert.equal(base64UrlOfText(text), base64urlnopad.encode(encoder.encode(text)), text)
    }
  })

  it('spells every byte value as base64url without padding', () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => 255 - i)
    for (let length = 0; length <= 34; length++) {
      const bytes = all.subarray(length * 7, length * 7 + length)
      assert.equal(base64UrlOfBytes(bytes), base64urlnopad.encode(bytes))
    }
  })
})
