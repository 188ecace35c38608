import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { tcpProxy } from '@tx402/testing/faults'
import { describeWithServices } from '@tx402/testing/services'
import { sql } from 'kysely'
import pg from 'pg'
import { connectPostgres } from './connectPostgres.js'
import {
  postgresServer,
  prepareTestDatabase,
  testDatabase,
  testDatabaseUrl,
} from './test/postgres.js'

describeWithServices('connectPostgres', ['postgres'], () => {
  before(async function () {
    this.timeout(30_000)
    await prepareTestDatabase()
  })

  it('survives a connection that dies while a query runs on it: the query fails, the process lives', async function () {
    this.timeout(30_000)
    const proxy = await tcpProxy(postgresServer)
    const { db, close } = connectPostgres(
      `postgres://postgres@127.0.0.1:${proxy.port}/${testDatabase}`,
      () => {},
    )
    const observer = new pg.Client(testDatabaseUrl)
    await observer.connect()
    try {
      // A query only this test runs, so it can be seen running from another connection.
      const marker = `select pg_sleep(4.${Date.now() % 1000})`
      const slow = sql.raw(marker).execute(db)
      slow.catch(() => {})
      for (let i = 0; i < 100; i++) {
        const running = await observer.query('select 1 from pg_stat_activity where query = $1', [
          marker,
        ])
        if (running.rowCount) break
        await sleep(50)
      }
      // The connection is checked out and busy: the pool no longer listens to it.
      proxy.setMode('refuse')
      await assert.rejects(slow)
      proxy.setMode('open')
      assert.deepEqual((await sql<{ one: number }>`select 1 as one`.execute(db)).rows, [{ one: 1 }])
    } finally {
      await observer.end()
      await close()
      await proxy.close()
    }
  })
})
