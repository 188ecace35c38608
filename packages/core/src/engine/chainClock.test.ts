import assert from 'node:assert/strict'
import { chainClock } from './chainClock.js'

describe('chainClock: the chain’s clock against this server’s, sampled and cached', () => {
  it('measures how far the chain runs behind (or ahead), against the middle of the read', async () => {
    let now = 1_700_000_000_000
    const clock = chainClock(
      async () => {
        now += 400 // the read takes 400 ms
        return 1_700_000_000 - 120
      },
      { now: () => now },
    )
    assert.equal(clock.offsetSeconds, undefined)
    assert.equal(await clock.sample(), -120)
    assert.equal(clock.current(), -120)
  })

  it('judges with 0 before the first sample, and samples in the background, once per refresh', async () => {
    let now = 0
    let reads = 0
    const clock = chainClock(
      async () => {
        reads++
        return now / 1000 + 30
      },
      { now: () => now, refreshMs: 10_000 },
    )
    assert.equal(clock.current(), 0)
    assert.equal(clock.current(), 0)
    await clock.sample()
    assert.equal(reads, 1, 'concurrent samples share one read')
    assert.equal(clock.current(), 30)
    now += 5_000
    clock.current()
    assert.equal(reads, 1, 'a fresh sample is not read again')
    now += 6_000
    clock.current()
    await clock.sample()
    assert.equal(reads, 2)
  })

  it('keeps the last offset when a read fails or the chain cannot tell, and never throws', async () => {
    let answer: () => Promise<number | undefined> = async () => Date.now() / 1000 - 60
    const clock = chainClock(() => answer())
    assert.equal(await clock.sample(), -60)
    answer = async () => {
      throw new Error('RPC down')
    }
    assert.equal(await clock.sample(), -60)
    answer = async () => undefined
    assert.equal(await clock.sample(), -60)
    assert.equal(await chainClock(() => undefined).sample(), undefined)
  })

  it('resample reads at most once per interval, also while every read fails', async () => {
    let now = 0
    let reads = 0
    const clock = chainClock(
      async () => {
        reads++
        throw new Error('getBlockTime unavailable')
      },
      { now: () => now },
    )
    for (let i = 0; i < 5; i++) assert.equal(await clock.resample(5_000), undefined)
    assert.equal(reads, 1)
    now += 5_001
    await clock.resample(5_000)
    assert.equal(reads, 2)
  })
})
