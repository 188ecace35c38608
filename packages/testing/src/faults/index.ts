/**
 * Test support for fault injection: a loopback TCP proxy that cuts off, hangs, resets, garbles,
 * slows down or re-points what is behind it, a JSON-RPC proxy lacking methods or block tags
 * (`partialRpc`), private redis-server processes to stop, flush and restart, and the fixed-port
 * Redis Cluster and PgBouncer of tools/test-services.sh (a master to kill). Loopback only.
 */

export type { PartialRpc, PartialRpcOptions } from './partialRpc.js'
export { partialRpc } from './partialRpc.js'
export type { RateLimitAnswer, RateLimitedRpc } from './rateLimitedRpc.js'
export { rateLimitedRpc } from './rateLimitedRpc.js'
export type { RedisServer } from './redisServer.js'
export { freePort, startRedisServer } from './redisServer.js'
export type { ClusterNodeState, KilledMaster } from './scaleOutServices.js'
export {
  clusterNodes,
  killClusterMaster,
  pgbouncerPort,
  redisCli,
  redisClusterPorts,
  redisClusterUrl,
  scaleOutServicesHint,
  waitForClusterHealthy,
} from './scaleOutServices.js'
export type { ProxyMode, ProxyModeOptions, ProxyTarget, TcpProxy } from './tcpProxy.js'
export { tcpProxy } from './tcpProxy.js'
