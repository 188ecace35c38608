import assert from 'node:assert/strict'
import { setImmediate as nextTurn } from 'node:timers/promises'
import { coalesce } from './coalesce.js'

describe('coalesce', () => {
  it('groups one turn of calls per key, in order, and the calls made while it runs after it', async () => {
    const groups: string[][] = []
    let inFlight = 0
    let most = 0
    const run = coalesce(async (key, items: number[]) => {
      inFlight++
      most = Math.max(most, inFlight)
      groups.push(items.map((i) => `${key}${i}`))
      await nextTurn()
      await nextTurn()
      inFlight--
      return items.map((i) => i * 10)
    })
    const first = [1, 2, 3].map((i) => run('a', i))
    const other = run('b', 1)
    await nextTurn()
    await nextTurn()
    const later = [4, 5].map((i) => run('a', i))
    assert.deepEqual(await Promise.all([...first, other, ...later]), [10, 20, 30, 10, 40, 50])
    assert.deepEqual(groups, [['a1', 'a2', 'a3'], ['b1'], ['a4', 'a5']])
    assert.equal(most, 2, 'one group per key in flight, keys side by side')
  })

  it('fails every call of a group whose run failed, and runs the next group', async () => {
    let calls = 0
    const run = coalesce(async (_, items: number[]) => {
      calls++
      if (calls === 1) throw new Error('store down')
      return items
    })
    const failed = Promise.allSettled([run('k', 1), run('k', 2)])
    await nextTurn()
    const next = run('k', 3)
    const settled = await failed
    assert.deepEqual(
      settled.map((s) => s.status === 'rejected' && (s.reason as Error).message),
      ['store down', 'store down'],
    )
    assert.equal(await next, 3)
  })

  it('splits a long queue into groups of at most maxGroup', async () => {
    const sizes: number[] = []
    const run = coalesce(async (_, items: number[]) => {
      sizes.push(items.length)
      return items
    }, 4)
    await Promise.all(Array.from({ length: 10 }, (_, i) => run('k', i)))
    assert.deepEqual(sizes, [4, 4, 2])
  })
})
