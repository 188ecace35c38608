import assert from 'node:assert/strict'
import { sampleEntry } from '../test/sampleEntry.js'
import { memoryJournal } from './memoryJournal.js'

describe('memoryJournal', () => {
  it('puts, replaces, lists and deletes entries by challenge id', async () => {
    const journal = memoryJournal()
    await journal.put(sampleEntry('a'))
    await journal.put(sampleEntry('b'))
    await journal.put(sampleEntry('a', { state: 'broadcast' }))
    const listed = await journal.list()
    assert.deepEqual(listed.map((e) => [e.challengeId, e.state]).sort(), [
      ['a', 'broadcast'],
      ['b', 'signed'],
    ])
    await journal.delete('a')
    assert.deepEqual(
      (await journal.list()).map((e) => e.challengeId),
      ['b'],
    )
  })

  it('keeps what was put, whatever the caller does to its object later', async () => {
    const journal = memoryJournal()
    const entry = sampleEntry('a')
    await journal.put(entry)
    entry.state = 'confirmed'
    assert.equal((await journal.list())[0]?.state, 'signed')
  })
})
