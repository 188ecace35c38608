import assert from 'node:assert/strict'
import { parseRetryAfter, retryDelay, sleep } from './retryDelay.js'

describe('retryDelay', () => {
  it('honours Retry-After in seconds', () => {
    assert.equal(retryDelay('2', 0), 2000)
    assert.equal(retryDelay(' 0 ', 5), 0)
  })

  it('honours Retry-After as an HTTP date', () => {
    const now = Date.parse('2026-11-22T10:00:00Z')
    assert.equal(parseRetryAfter('Sun, 22 Nov 2026 10:00:03 GMT', now), 3000)
    assert.equal(parseRetryAfter('Sun, 22 Nov 2026 09:00:00 GMT', now), 0)
  })

  it('backs off exponentially up to 8 s without Retry-After', () => {
    assert.deepEqual(
      [0, 1, 2, 3, 4, 5, 40].map((attempt) => retryDelay(null, attempt)),
      [500, 1000, 2000, 4000, 8000, 8000, 8000],
    )
    assert.equal(retryDelay('soon', 1), 1000)
  })

  it('stops sleeping when the signal aborts', async () => {
    const controller = new AbortController()
    const slept = sleep(60_000, controller.signal)
    controller.abort(new Error('stop'))
    await assert.rejects(slept, /stop/)
  })
})
