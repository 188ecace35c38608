import { pgbouncerPort, scaleOutServicesHint, waitForClusterHealthy } from '@tx402/testing/faults'
import { Redis } from 'ioredis'
import pg from 'pg'
import { testDatabase } from './postgres.js'

export { redisClusterUrl as clusterUrl } from '@tx402/testing/faults'

/** The ledger's test database through PgBouncer. */
export const pooledDatabaseUrl = `postgres://postgres@127.0.0.1:${pgbouncerPort}/${testDatabase}`

/**
 * Fails with what to run when the cluster or PgBouncer is not up (they are not started by the
 * tests themselves: `npm test` (tools/test-services.sh) starts them once, at fixed ports).
 */
export async function requireScaleOutServices(): Promise<void> {
  const hint = scaleOutServicesHint
  await waitForClusterHealthy(10_000)
  const client = new pg.Client({
    host: '127.0.0.1',
    port: pgbouncerPort,
    user: 'postgres',
    database: testDatabase,
  })
  client.on('error', () => {})
  try {
    await client.connect()
    await client.query('select 1')
  } catch (error) {
    throw new Error(`no PgBouncer on 127.0.0.1:${pgbouncerPort} (${String(error)}): ${hint}`)
  } finally {
    await client.end().catch(() => {})
  }
}

/** One node of the cluster, for admin commands (CLUSTER …). */
export function clusterNode(port: number): Redis {
  const node = new Redis({ port, maxRetriesPerRequest: 1 })
  node.on('error', () => {})
  return node
}
