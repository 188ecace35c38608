import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { InvalidTxIdError } from '@tx402/core'
import bs58 from 'bs58'
import { normalizeTxId } from './normalizeTxId.js'

const signature =
  '2S2rTZjaqzxYRw9mnqzwtyqitKtSsnE8GVqLn1KrD5R2YpXZnU4GdjppsgfSAbrzJfaqadfi8CtrqEBy588WVQ3E'

describe('normalizeTxId (solana)', () => {
  it('returns a base58 64-byte signature exactly as given', () => {
    assert.equal(normalizeTxId(signature), signature)
    const leadingZeros = bs58.encode(Uint8Array.from([0, 0, ...randomBytes(62)]))
    assert.ok(leadingZeros.startsWith('11'))
    assert.equal(normalizeTxId(leadingZeros), leadingZeros)
  })

  it('rejects anything that is not the base58 of exactly 64 bytes', () => {
    const bad = [
      '',
      signature.toLowerCase(),
      `${signature}1`,
      signature.slice(10),
      ` ${signature}`,
      `${signature.slice(0, -1)}0`,
      `${signature.slice(0, -1)}l`,
      `0x${'ab'.repeat(32)}`,
      bs58.encode(randomBytes(32)),
      bs58.encode(randomBytes(65)),
      'z'.repeat(600),
      42 as unknown as string,
    ]
    for (const value of bad) {
      assert.throws(() => normalizeTxId(value), InvalidTxIdError, String(value))
    }
  })
})
