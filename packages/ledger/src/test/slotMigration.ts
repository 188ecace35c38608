import { redisClusterPorts } from '@tx402/testing/faults'
import type { Redis } from 'ioredis'
import { clusterNode } from './scaleOut.js'

type SlotRange = [number, number, [string, number, ...unknown[]], ...unknown[]]

/** The port of the master serving `slot` now, and the ports of every master. */
export async function slotOwner(
  admin: Redis,
  slot: number,
): Promise<{ owner: number; masters: number[] }> {
  const ranges = (await admin.call('cluster', 'slots')) as SlotRange[]
  const masters = [...new Set(ranges.map((range) => Number(range[2][1])))]
  const range = ranges.find(([from, to]) => slot >= from && slot <= to)
  if (!range) throw new Error(`slot ${slot} is served by no master`)
  return { owner: Number(range[2][1]), masters }
}

/**
 * Moves one slot from its master to another, the way `redis-cli --cluster reshard` does, in two
 * steps: `begin()` marks it migrating/importing (clients asking for a key the source no longer
 * has get ASK), `finish()` moves its keys and hands the slot over (clients with the old map get
 * MOVED).
 */
export async function slotMigration(admin: Redis, slot: number) {
  const { owner, masters } = await slotOwner(admin, slot)
  const target = masters.find((port) => port !== owner)!
  const nodes = new Map<number, Redis>(redisClusterPorts.map((port) => [port, clusterNode(port)]))
  const id = async (port: number) => String(await nodes.get(port)!.call('cluster', 'myid'))
  const [sourceId, targetId] = [await id(owner), await id(target)]
  const source = nodes.get(owner)!
  return {
    from: owner,
    to: target,
    async begin() {
      await nodes.get(target)!.call('cluster', 'setslot', slot, 'importing', sourceId)
      await source.call('cluster', 'setslot', slot, 'migrating', targetId)
    },
    async finish() {
      for (;;) {
        const keys = (await source.call('cluster', 'getkeysinslot', slot, 100)) as string[]
        if (keys.length === 0) break
        await source.call('migrate', '127.0.0.1', target, '', 0, 5_000, 'KEYS', ...keys)
      }
      await nodes.get(target)!.call('cluster', 'setslot', slot, 'node', targetId)
      await source.call('cluster', 'setslot', slot, 'node', targetId)
      for (const port of masters) {
        if (port !== owner && port !== target) {
          await nodes.get(port)!.call('cluster', 'setslot', slot, 'node', targetId)
        }
      }
    },
    close() {
      for (const node of nodes.values()) node.disconnect()
    },
  }
}
