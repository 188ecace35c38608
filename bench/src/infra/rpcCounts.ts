import type { JsonRpcServer } from '@tx402/testing/evm'

/** What reached the RPC: round trips, calls, and calls by method and by batch shape. */
export interface RpcCounts {
  /** HTTP requests: one per round trip (a JSON-RPC batch is one). */
  httpRequests: number
  /** JSON-RPC calls, batched or not. */
  calls: number
  /** Calls by method. */
  methods: Record<string, number>
  /** Round trips by their sorted methods, e.g. `eth_blockNumber+eth_getTransactionReceipt`. */
  shapes: Record<string, number>
}

/**
 * Sums up the methods of each HTTP request a JSON-RPC server received (one entry per round trip,
 * as `serveJsonRpc` records them).
 *
 * @example summarizeRpc([['eth_getTransactionReceipt', 'eth_blockNumber']]).httpRequests // 1
 */
export function summarizeRpc(requests: readonly (readonly string[])[]): RpcCounts {
  const counts: RpcCounts = { httpRequests: 0, calls: 0, methods: {}, shapes: {} }
  for (const methods of requests) {
    counts.httpRequests++
    counts.calls += methods.length
    for (const method of methods) counts.methods[method] = (counts.methods[method] ?? 0) + 1
    const shape = [...methods].sort().join('+')
    counts.shapes[shape] = (counts.shapes[shape] ?? 0) + 1
  }
  return counts
}

/** Counts what a `serveJsonRpc` proxy receives from a point on. */
export interface RpcCounter {
  /** Forgets what came before. */
  reset(): void
  /** What came since the last reset. */
  counts(): RpcCounts
}

/**
 * A counter over the requests a `serveJsonRpc(forwardJsonRpc(node))` proxy records.
 *
 * @example const counter = rpcCounter(proxy); counter.reset(); …; counter.counts().calls
 */
export function rpcCounter(server: JsonRpcServer): RpcCounter {
  let from = server.requests.length
  return {
    reset() {
      from = server.requests.length
    },
    counts: () => summarizeRpc(server.requests.slice(from)),
  }
}
