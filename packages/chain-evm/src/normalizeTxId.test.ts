import assert from 'node:assert/strict'
import { InvalidTxIdError } from '@tx402/core'
import { normalizeTxId } from './normalizeTxId.js'

const canonical = '0x5b4d950e3aad5c482447592a6620293e271f782f4c65bffb5b5acfc65325cf85'

describe('normalizeTxId', () => {
  it('keeps a canonical hash as it is', () => {
    assert.equal(normalizeTxId(canonical), canonical)
  })

  it('maps upper case, mixed case and a missing 0x to one canonical form', () => {
    const digits = canonical.slice(2)
    for (const variant of [
      canonical.toUpperCase(),
      `0x${digits.toUpperCase()}`,
      digits,
      digits.toUpperCase(),
      `0x${digits.slice(0, 32).toUpperCase()}${digits.slice(32)}`,
    ]) {
      assert.equal(normalizeTxId(variant), canonical, variant)
    }
  })

  it('rejects whitespace, lists, other lengths and non-hex', () => {
    for (const bad of [
      '',
      '0x',
      ` ${canonical}`,
      `${canonical} `,
      `${canonical}\n`,
      `${canonical},${canonical}`,
      canonical.slice(0, 65),
      `${canonical}00`,
      `0x${'g'.repeat(64)}`,
      `0x0x${canonical.slice(4)}`,
      `-${canonical.slice(1)}`,
    ]) {
      assert.throws(() => normalizeTxId(bad), InvalidTxIdError, JSON.stringify(bad))
    }
  })

  it('rejects a value that is not a string', () => {
    assert.throws(() => normalizeTxId(42 as unknown as string), InvalidTxIdError)
  })
})
