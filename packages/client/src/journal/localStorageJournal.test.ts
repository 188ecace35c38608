import assert from 'node:assert/strict'
import { ConfigurationError } from '@tx402/core'
import { mapStorage } from '../test/mapStorage.js'
import { sampleEntry } from '../test/sampleEntry.js'
import { localStorageJournal } from './localStorageJournal.js'

describe('localStorageJournal', () => {
  it('stores each entry under its prefixed key, synchronously on put', async () => {
    const storage = mapStorage()
    const journal = localStorageJournal({ storage })
    const put = journal.put(sampleEntry('c1.x.y'))
    // Written before the promise settles: a tab closed right after put still has it.
    assert.ok(storage.map.has('tx402:journal:c1.x.y'))
    await put
    assert.equal(JSON.parse(storage.map.get('tx402:journal:c1.x.y')!).payment.validUntil, 7)
  })

  it('is found again by a new journal over the same storage (a page reload)', async () => {
    const storage = mapStorage()
    await localStorageJournal({ storage }).put(sampleEntry('a', { state: 'broadcast' }))
    const reloaded = localStorageJournal({ storage })
    const [entry] = await reloaded.list()
    assert.equal(entry?.challengeId, 'a')
    assert.equal(entry?.state, 'broadcast')
    await reloaded.delete('a')
    assert.equal(storage.map.size, 0)
  })

  it('ignores other keys and corrupt entries', async () => {
    const storage = mapStorage()
    storage.setItem('theme', 'dark')
    storage.setItem('tx402:journal:broken', '{not json')
    storage.setItem('tx402:journal:other', JSON.stringify({ hello: 1 }))
    const journal = localStorageJournal({ storage, prefix: 'tx402:journal:' })
    await journal.put(sampleEntry('ok'))
    assert.deepEqual(
      (await journal.list()).map((e) => e.challengeId),
      ['ok'],
    )
  })

  it('keeps credit tokens across a reload, apart from the payment entries', async () => {
    const storage = mapStorage()
    const record = {
      origin: 'https://api.example.com',
      scope: 'default',
      network: 'eip155:8453',
      asset: '0xAbC',
      token: 'k1.a.b',
      remaining: '40000',
      updatedAt: 1,
    }
    await localStorageJournal({ storage }).credits!.put(record)
    await localStorageJournal({ storage }).credits!.put({ ...record, remaining: '30000' })
    const reloaded = localStorageJournal({ storage })
    assert.deepEqual(await reloaded.list(), [])
    const credits = await reloaded.credits!.list()
    assert.deepEqual(credits, [{ ...record, remaining: '30000' }])
    await reloaded.credits!.delete('https://api.example.com default eip155:8453 0xabc')
    assert.equal(storage.map.size, 0)
  })

  it('fails at setup when there is no localStorage', () => {
    assert.throws(() => localStorageJournal(), ConfigurationError)
  })
})
