import { ConfigurationError } from '@tx402/core'
import { Cluster, Redis } from 'ioredis'

/**
 * Redis as the ledger takes it: an ioredis `Redis` or `Cluster` (left open by the ledger), a
 * `redis://` / `rediss://` URL of one server, a `redis+cluster://host:port,host:port` (or
 * `rediss+cluster://`) URL listing seed nodes of a Redis Cluster, or an array of `redis://` URLs
 * that are seed nodes of one cluster. Seeds need not be every node: the client learns the rest.
 */
export type RedisInput = Redis | Cluster | string | readonly string[]

/** A connected-or-connecting client and whether the ledger made it (and so closes it). */
export interface RedisConnection {
  redis: Redis | Cluster
  own: boolean
}

const clusterSchemes = new Set(['redis+cluster:', 'rediss+cluster:'])

/**
 * Turns a `RedisInput` into a client. Clients made here auto-pipeline (commands of one event-loop
 * turn are written together) and fail fast: connect within 2 s, each
 * command within `commandTimeoutMs`, one retry per command on a single server; on a cluster a
 * command follows MOVED/ASK redirections, and is retried every 100 ms on TRYAGAIN (a slot being
 * resharded) or while a replica takes over from a dead master; the ledger's own deadline per
 * command ends the wait, and the ledger goes on with PostgreSQL alone.
 *
 * @throws ConfigurationError for an empty input, an unknown scheme or a seed without a port.
 * @example connectRedis('redis+cluster://10.0.0.1:6379,10.0.0.2:6379', 1_000)
 */
export function connectRedis(input: RedisInput, commandTimeoutMs: number): RedisConnection {
  if (typeof input !== 'string' && !Array.isArray(input)) {
    return { redis: input as Redis | Cluster, own: false }
  }
  const nodeOptions = {
    connectTimeout: 2_000,
    commandTimeout: commandTimeoutMs,
    // A command fails after one reconnect attempt instead of waiting for Redis to return.
    maxRetriesPerRequest: 1,
    // Commands issued in one event-loop turn (concurrent requests' claims and commits) go to
    // Redis as one write: fewer syscalls and round trips per payment under load. Each command
    // keeps its own reply and its own error.
    enableAutoPipelining: true,
  }
  if (typeof input === 'string' && !clusterSchemes.has(schemeOf(input))) {
    if (!input) throw new ConfigurationError('redisPostgresLedger: `redis` is required.')
    const redis = new Redis(input, {
      ...nodeOptions,
      // Reconnects forever, at most every 2 s: the ledger uses Redis again once it is back.
      retryStrategy: (times) => Math.min(times * 100, 2_000),
    })
    return { redis, own: true }
  }
  const seeds = typeof input === 'string' ? clusterSeeds(input) : input.map(seedOf)
  if (seeds.length === 0) {
    throw new ConfigurationError('redisPostgresLedger: a Redis Cluster needs at least one seed.')
  }
  const first = seeds[0]!
  const redis = new Cluster(
    seeds.map(({ host, port }) => ({ host, port })),
    {
      redisOptions: {
        ...nodeOptions,
        ...(first.username ? { username: first.username } : {}),
        ...(first.password ? { password: first.password } : {}),
        ...(first.tls ? { tls: {} } : {}),
      },
      // Per node: commands for slots of one node in one turn go as one write.
      enableAutoPipelining: true,
      retryDelayOnFailover: 100,
      retryDelayOnClusterDown: 100,
      retryDelayOnTryAgain: 100,
      slotsRefreshTimeout: 2_000,
      clusterRetryStrategy: (times) => Math.min(times * 100, 2_000),
    },
  )
  return { redis, own: true }
}

interface Seed {
  host: string
  port: number
  username: string
  password: string
  tls: boolean
}

function schemeOf(url: string): string {
  const colon = url.indexOf(':')
  return colon < 0 ? '' : url.slice(0, colon + 1).toLowerCase()
}

// `redis+cluster://[user:password@]host:port,host:port[/]`: WHATWG URLs take one host only, so
// the host list is split off before parsing.
function clusterSeeds(url: string): Seed[] {
  const scheme = schemeOf(url)
  const rest = url.slice(scheme.length).replace(/^\/\//, '')
  const at = rest.lastIndexOf('@')
  const credentials = at >= 0 ? rest.slice(0, at + 1) : ''
  const hosts = (at >= 0 ? rest.slice(at + 1) : rest).replace(/\/.*$/, '')
  const single = scheme === 'rediss+cluster:' ? 'rediss://' : 'redis://'
  return hosts
    .split(',')
    .filter((host) => host.trim() !== '')
    .map((host) => seedOf(`${single}${credentials}${host.trim()}`))
}

function seedOf(url: string): Seed {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new ConfigurationError(`redisPostgresLedger: ${JSON.stringify(redact(url))} is no URL.`)
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new ConfigurationError(
      `redisPostgresLedger: a cluster seed must be redis:// or rediss://, got ${parsed.protocol}`,
    )
  }
  if (!parsed.hostname || !parsed.port) {
    throw new ConfigurationError(
      `redisPostgresLedger: the cluster seed ${JSON.stringify(redact(url))} needs a host and a port.`,
    )
  }
  return {
    host: parsed.hostname.replace(/^\[|\]$/g, ''),
    port: Number(parsed.port),
    username: decodeURIComponent(parsed.username),
    password: decodeURIComponent(parsed.password),
    tls: parsed.protocol === 'rediss:',
  }
}

// A configuration error names the URL without its password.
function redact(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//…@')
}
