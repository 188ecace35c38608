import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startupChecks } from '@tx402/core'
import { embeddedLedger } from './embeddedLedger.js'
import { nextLine, spawnScript } from './test/spawnScript.js'

describe('embeddedLedger in the startup check', () => {
  let dir: string
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tx402-startup-'))
  })
  after(() => rm(dir, { recursive: true, force: true }))

  it('opens and migrates at ready(), so health then answers from the database', async function () {
    this.timeout(60_000)
    const ledger = embeddedLedger({ dataDir: join(dir, 'fresh') })
    try {
      const checks = startupChecks({ chains: [], ledger })
      await checks.ready()
      assert.deepEqual(await checks.health(), { ok: true, chains: [], ledger: { ok: true } })
    } finally {
      await ledger.close()
    }
  })

  it('lets one of 4 cluster workers on one dataDir start; the 3 others fail at startup, pointing to redisPostgresLedger', async function () {
    this.timeout(120_000)
    // A real node:cluster primary forking 4 workers, each mounting paymentRequired with
    // embeddedLedger on one dataDir and awaiting paid.ready() before it listens.
    const { child, lines, exited } = spawnScript('clusterWorkers.ts', 'TX402_CLUSTER', {
      dataDir: join(dir, 'cluster'),
      workers: 4,
    })
    let report: {
      workers: { pid: number; listening: boolean; code: number | null; stderr: string }[]
      statuses: number[]
    }
    try {
      report = JSON.parse(await nextLine(lines))
      await exited
    } finally {
      child.kill('SIGKILL')
    }
    const listening = report.workers.filter((worker) => worker.listening)
    const failed = report.workers.filter((worker) => !worker.listening)
    assert.equal(listening.length, 1, JSON.stringify(report))
    assert.equal(failed.length, 3, JSON.stringify(report))
    for (const worker of failed) {
      assert.notEqual(worker.code, 0, 'a worker whose startup check failed exits with an error')
      assert.match(worker.stderr, /ConfigurationError/)
      assert.match(worker.stderr, /- ledger: .*in use by process \d+/)
      assert.match(worker.stderr, /several processes .* use redisPostgresLedger/)
    }
    // The one that started serves: a 402 challenge to every unpaid request, never a 503.
    assert.deepEqual(report.statuses, Array(8).fill(402))
    for (const { pid } of report.workers) {
      assert.throws(() => process.kill(pid, 0), { code: 'ESRCH' }, `worker ${pid} was stopped`)
    }
  })
})
