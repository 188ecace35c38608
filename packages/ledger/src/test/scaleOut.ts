import { Redis } from 'ioredis'
import pg from 'pg'
import { testDatabase } from './postgres.js'

// Started by `.ci/cluster.sh` (and `.ci/run`) at these fixed loopback ports.
/** The Redis Cluster's nodes: 3 masters and 3 replicas, roles changing as masters fail over. */
export const clusterPorts = [7001, 7002, 7003, 7004, 7005, 7006] as const
/** Seed nodes as a `redis+cluster://` URL: three are enough, the client learns the rest. */
export const clusterUrl = 'redis+cluster://127.0.0.1:7001,127.0.0.1:7002,127.0.0.1:7003'
/** PgBouncer in transaction pooling mode, in front of the PostgreSQL on 5432. */
export const pgbouncerPort = 6432
/** The ledger's test database through PgBouncer. */
export const pooledDatabaseUrl = `postgres://postgres@127.0.0.1:${pgbouncerPort}/${testDatabase}`

/**
 * Fails with what to run when the cluster or PgBouncer is not up (they are not started by the
 * tests themselves: `.ci/cluster.sh` starts them once, at fixed ports).
 */
export async function requireScaleOutServices(): Promise<void> {
  const hint = 'start them with `bash .ci/cluster.sh start` (`.ci/run` does)'
  const node = new Redis({ port: clusterPorts[0], lazyConnect: true, maxRetriesPerRequest: 0 })
  node.on('error', () => {})
  try {
    await node.connect()
    const info = String(await node.call('cluster', 'info'))
    if (!info.includes('cluster_state:ok')) throw new Error(`cluster state: ${info.split('\n')[0]}`)
  } catch (error) {
    throw new Error(`no Redis Cluster on 127.0.0.1:7001-7006 (${String(error)}): ${hint}`)
  } finally {
    node.disconnect()
  }
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
