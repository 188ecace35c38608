import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { lockDataDir } from './lockDataDir.js'

describe('lockDataDir', () => {
  let root: string
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'tx402-lock-'))
  })
  afterEach(() => rm(root, { recursive: true, force: true }))

  it('lets exactly one of several takers have a lock its dead holder left (a restart of 4 workers)', async () => {
    // Each round: a lock naming a process that has exited, and four takers at once. Before the
    // takeover file, one taker removed the lock another had just taken, and both held it.
    for (let round = 0; round < 20; round++) {
      const dataDir = join(root, `data-${round}`)
      const dead = spawnSync(process.execPath, ['-e', '0']).pid
      await writeFile(`${dataDir}.lock`, String(dead))
      const takers = await Promise.allSettled([1, 2, 3, 4].map(() => lockDataDir(dataDir)))
      const held = takers.filter((taker) => taker.status === 'fulfilled')
      assert.equal(held.length, 1, `round ${round}: ${held.length} takers hold the lock`)
      for (const taker of takers) {
        if (taker.status === 'rejected') assert.match(String(taker.reason), /redisPostgresLedger/)
      }
      assert.equal(await readFile(`${dataDir}.lock`, 'utf8'), String(process.pid))
      await (held[0] as PromiseFulfilledResult<() => Promise<void>>).value()
    }
  })

  it('refuses a lock a live process holds, and frees its own', async () => {
    const dataDir = join(root, 'data')
    const free = await lockDataDir(dataDir)
    await assert.rejects(
      lockDataDir(dataDir),
      /in use by process \d+ \(this one\): another embeddedLedger of this process .* pass it to every paymentRequired route/,
    )
    await free()
    const again = await lockDataDir(dataDir)
    await again()
  })
})
