import { execFile, spawn } from 'node:child_process'
import { once } from 'node:events'
import { setTimeout as sleep } from 'node:timers/promises'
import { promisify } from 'node:util'

// Started by `npm test` (tools/test-services.sh) at these fixed loopback ports.
/** The Redis Cluster's nodes: 3 masters and 3 replicas; roles change as masters fail over. */
export const redisClusterPorts = [7001, 7002, 7003, 7004, 7005, 7006] as const
/** Seed nodes of the cluster as the ledger takes them: the client learns the other nodes. */
export const redisClusterUrl = 'redis+cluster://127.0.0.1:7001,127.0.0.1:7002,127.0.0.1:7003'
/** PgBouncer in transaction pooling mode, in front of the PostgreSQL on 127.0.0.1:5432. */
export const pgbouncerPort = 6432
/** What to run when they are missing. */
export const scaleOutServicesHint =
  'start them with `bash tools/test-services.sh start redis-cluster pgbouncer` (`npm test` does)'

/** One line of `CLUSTER NODES`. */
export interface ClusterNodeState {
  id: string
  port: number
  role: 'master' | 'replica'
  /** For a replica, the id of its master. */
  masterId: string | undefined
  /** Neither failing nor disconnected, as the node asked sees it. */
  up: boolean
  /** Whether it serves slots (a master that lost them to its replica serves none). */
  servesSlots: boolean
}

const run = promisify(execFile)

/** `redis-cli -p <port> …`, its answer trimmed. */
export async function redisCli(port: number, ...args: string[]): Promise<string> {
  const { stdout } = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], {
    timeout: 5_000,
  })
  return stdout.trim()
}

/** The cluster's nodes as `askPort` sees them. */
export async function clusterNodes(askPort: number): Promise<ClusterNodeState[]> {
  const text = await redisCli(askPort, 'cluster', 'nodes')
  return text.split('\n').map((line) => {
    const [id, address, flags, masterId, , , , link, ...slots] = line.split(' ')
    const flagList = flags!.split(',')
    return {
      id: id!,
      port: Number(address!.split('@')[0]!.split(':')[1]),
      role: flagList.includes('master') ? 'master' : 'replica',
      masterId: masterId === '-' ? undefined : masterId,
      up: link === 'connected' && !flagList.some((f) => f === 'fail' || f === 'fail?'),
      servesSlots: slots.length > 0,
    }
  })
}

/**
 * Waits until every node answers, says `cluster_state:ok` and sees all six nodes up: what a
 * test that kills a node leaves for the next one.
 */
export async function waitForClusterHealthy(timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  let last = ''
  while (Date.now() < deadline) {
    try {
      let healthy = true
      for (const port of redisClusterPorts) {
        const info = await redisCli(port, 'cluster', 'info')
        const nodes = await clusterNodes(port)
        if (!info.includes('cluster_state:ok') || nodes.filter((n) => n.up).length !== 6) {
          healthy = false
          last = `${port}: ${info.split('\n')[0]}, ${nodes.filter((n) => n.up).length} nodes up`
          break
        }
      }
      if (healthy) return
    } catch (error) {
      last = String(error)
    }
    await sleep(250)
  }
  throw new Error(`the Redis Cluster is not healthy (${last}): ${scaleOutServicesHint}`)
}

/** A master killed by `killClusterMaster`. */
export interface KilledMaster {
  port: number
  /** Resolves once a replica serves the dead master's slots. */
  failedOver(timeoutMs?: number): Promise<void>
  /** Starts it again from its config file; it rejoins as a replica. Waits for a healthy cluster. */
  restart(): Promise<void>
}

/**
 * Kills one master of the cluster with SIGKILL (what it has not replicated is lost), chosen as
 * the first master serving slots in port order.
 *
 * @example const killed = await killClusterMaster(); await killed.failedOver(); await killed.restart()
 */
export async function killClusterMaster(): Promise<KilledMaster> {
  const nodes = await clusterNodes(redisClusterPorts[0])
  const master = nodes
    .filter((node) => node.role === 'master' && node.servesSlots && node.up)
    .sort((a, b) => a.port - b.port)[0]
  if (!master) throw new Error('no live master in the cluster')
  const info = await redisCli(master.port, 'info', 'server')
  const field = (name: string) => new RegExp(`^${name}:(.*)$`, 'm').exec(info)?.[1]?.trim()
  const pid = Number(field('process_id'))
  const configFile = field('config_file')
  if (!pid || !configFile) throw new Error(`node ${master.port}: no process id or config file`)
  process.kill(pid, 'SIGKILL')
  const witness = redisClusterPorts.find((port) => port !== master.port)!
  return {
    port: master.port,
    async failedOver(timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs
      while (Date.now() < deadline) {
        const now = await clusterNodes(witness).catch(() => [])
        const promoted = now.some(
          (node) =>
            node.role === 'master' &&
            node.up &&
            node.servesSlots &&
            node.port !== master.port &&
            nodes.find((before) => before.id === node.id)?.masterId === master.id,
        )
        if (promoted) return
        await sleep(100)
      }
      throw new Error(`no replica took over from the master on ${master.port}`)
    },
    async restart() {
      // daemonize is in its config file: the command returns once it has forked.
      const child = spawn('redis-server', [configFile], { stdio: 'ignore' })
      await once(child, 'exit')
      await waitForClusterHealthy()
    },
  }
}
