import assert from 'node:assert/strict'
import { setImmediate as nextTurn } from 'node:timers/promises'
import { callGroups, keyedCallGroups, MemberFailed } from './callGroups.js'

describe('callGroups', () => {
  it('runs a call alone when nothing is in flight, and groups the calls that arrive meanwhile, in order', async () => {
    const groups: number[][] = []
    const run = callGroups(
      async (inputs: readonly number[]) => {
        groups.push([...inputs])
        await nextTurn()
        return inputs.map((i) => i * 10)
      },
      { maxInFlight: 1, maxSize: 4 },
    )
    const answers = await Promise.all(Array.from({ length: 7 }, (_, i) => run(i)))
    assert.deepEqual(answers, [0, 10, 20, 30, 40, 50, 60])
    assert.deepEqual(groups, [[0], [1, 2, 3, 4], [5, 6]])
  })

  it('fails every member of a group whose run failed (or answered too few), and runs the next group', async () => {
    let calls = 0
    const run = callGroups(
      async (inputs: readonly number[]) => {
        calls++
        if (calls === 1) throw new Error('store down')
        if (calls === 2) return inputs.slice(1)
        return inputs
      },
      { maxInFlight: 1, maxSize: 64 },
    )
    const first = run(1)
    const second = Promise.allSettled([run(2), run(3)])
    await assert.rejects(first, /store down/)
    const settled = await second
    assert.deepEqual(
      settled.map((s) => s.status),
      ['rejected', 'rejected'],
    )
    assert.equal(await run(4), 4)
  })

  it('rejects only the member whose answer is a MemberFailed', async () => {
    const run = callGroups(
      async (inputs: readonly number[]) =>
        inputs.map((i) => (i === 3 ? new MemberFailed(new Error(`bad ${i}`)) : i * 10)),
      { maxInFlight: 1, maxSize: 64 },
    )
    const settled = await Promise.allSettled([run(1), run(2), run(3), run(4)])
    assert.deepEqual(
      settled.map((s) => (s.status === 'fulfilled' ? s.value : (s.reason as Error).message)),
      [10, 20, 'bad 3', 40],
    )
  })
})

describe('keyedCallGroups', () => {
  it('groups calls of one key only, keys side by side, and forgets a key once it is idle', async () => {
    const groups: string[][] = []
    let inFlight = 0
    let most = 0
    const run = keyedCallGroups(
      async (key, inputs: readonly number[]) => {
        inFlight++
        most = Math.max(most, inFlight)
        groups.push(inputs.map((i) => `${key}${i}`))
        await nextTurn()
        inFlight--
        return inputs.map((i) => i * 10)
      },
      { maxInFlight: 1, maxSize: 256 },
    )
    const answers = await Promise.all([run('a', 1), run('a', 2), run('a', 3), run('b', 1)])
    assert.deepEqual(answers, [10, 20, 30, 10])
    assert.deepEqual(groups, [['a1'], ['b1'], ['a2', 'a3']])
    assert.equal(most, 2, 'one group per key in flight, keys side by side')
    assert.equal(await run('a', 4), 40)
    assert.deepEqual(groups.at(-1), ['a4'], 'an idle key starts afresh: its call runs at once')
  })
})
