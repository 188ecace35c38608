import { Cluster, Redis } from 'ioredis'

/** An ioredis client that counts the commands it sends (one per round trip; a script is one). */
export interface CountingRedis {
  redis: Redis | Cluster
  /** Commands sent so far, by name. */
  counts(): Record<string, number>
}

/**
 * An ioredis client set up as `redisPostgresLedger` sets up the one it makes from a URL (connect
 * 2 s, command 1 s, one retry, auto-pipelining), that counts what it sends. A `redis+cluster://host:port,…` URL
 * gives a `Cluster`. Commands a script runs inside Redis are not counted: this is what crosses
 * the network.
 *
 * @example const { redis, counts } = countingRedis(url); redisPostgresLedger({ redis, db })
 */
export function countingRedis(url: string): CountingRedis {
  const nodeOptions = {
    connectTimeout: 2_000,
    commandTimeout: 1_000,
    maxRetriesPerRequest: 1,
    enableAutoPipelining: true,
  }
  const redis = url.startsWith('redis+cluster://')
    ? new Cluster(
        url
          .slice('redis+cluster://'.length)
          .split(',')
          .map((seed) => ({ host: seed.split(':')[0]!, port: Number(seed.split(':')[1]) })),
        {
          redisOptions: nodeOptions,
          enableAutoPipelining: true,
          retryDelayOnFailover: 100,
          retryDelayOnTryAgain: 100,
        },
      )
    : new Redis(url, { ...nodeOptions, retryStrategy: (times) => Math.min(times * 100, 2_000) })
  redis.on('error', () => {})
  const counts: Record<string, number> = {}
  const send = redis.sendCommand.bind(redis) as (...args: unknown[]) => unknown
  // biome-ignore lint/suspicious/noExplicitAny: Redis' and Cluster's sendCommand differ in arity
  ;(redis as any).sendCommand = (command: { name: string }, ...rest: unknown[]) => {
    counts[command.name] = (counts[command.name] ?? 0) + 1
    return send(command, ...rest)
  }
  return { redis, counts: () => ({ ...counts }) }
}

/** What was sent between two `counts()` snapshots. */
export function countsBetween(
  before: Record<string, number>,
  after: Record<string, number>,
): Record<string, number> {
  const delta: Record<string, number> = {}
  for (const [name, count] of Object.entries(after)) {
    const sent = count - (before[name] ?? 0)
    if (sent > 0) delta[name] = sent
  }
  return delta
}

/**
 * The total and each command per operation, to two decimals; commands that round to 0.00 (the
 * connection's handshake) are left out of the list.
 *
 * @example describePerOp({ exists: 10, set: 10 }, 10) // '2.00 (exists 1.00, set 1.00)'
 */
export function describePerOp(commands: Record<string, number>, ops: number): string {
  const total = Object.values(commands).reduce((a, b) => a + b, 0)
  const each = Object.entries(commands)
    .filter(([, count]) => count / ops >= 0.005)
    .map(([name, count]) => `${name} ${(count / ops).toFixed(2)}`)
    .join(', ')
  return `${(total / ops).toFixed(2)}${each ? ` (${each})` : ''}`
}
