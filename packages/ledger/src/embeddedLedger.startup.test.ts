import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ConfigurationError, startupChecks } from '@tx402/core'
import { embeddedLedger } from './embeddedLedger.js'

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

  it('fails at startup, pointing to redisPostgresLedger, when another process holds the dataDir', async function () {
    this.timeout(60_000)
    // Another live process holds the directory, as a second cluster worker finds it.
    const holder = spawn('sleep', ['60'], { stdio: 'ignore' })
    try {
      const dataDir = join(dir, 'shared')
      await writeFile(`${dataDir}.lock`, String(holder.pid))
      const ledger = embeddedLedger({ dataDir, logger: { info() {}, warn() {}, error() {} } })
      await assert.rejects(startupChecks({ chains: [], ledger }).ready(), (error: Error) => {
        assert.ok(error instanceof ConfigurationError)
        assert.match(error.message, /- ledger: .*in use by process \d+/)
        assert.match(error.message, /several processes .* use redisPostgresLedger/)
        return true
      })
      await ledger.close()
    } finally {
      holder.kill()
    }
  })
})
