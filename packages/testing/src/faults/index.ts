/**
 * Test support for fault injection: a loopback TCP proxy that cuts off, hangs, resets, garbles,
 * slows down or re-points what is behind it, and private redis-server processes to stop, flush
 * and restart. Loopback only.
 */

export type { RateLimitAnswer, RateLimitedRpc } from './rateLimitedRpc.js'
export { rateLimitedRpc } from './rateLimitedRpc.js'
export type { RedisServer } from './redisServer.js'
export { freePort, startRedisServer } from './redisServer.js'
export type { ProxyMode, ProxyModeOptions, ProxyTarget, TcpProxy } from './tcpProxy.js'
export { tcpProxy } from './tcpProxy.js'
