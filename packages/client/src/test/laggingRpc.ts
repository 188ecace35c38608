import { forwardJsonRpc, type JsonRpcServer, serveJsonRpc } from '@tx402/testing/evm'

/** A loopback JSON-RPC proxy in front of a node that does not see transactions for a while. */
export interface LaggingRpc extends JsonRpcServer {
  /** How many lookups of a transaction it answered "unknown". */
  readonly hidden: number
  /** Sees every transaction from now on. */
  reveal(): void
}

const lookups = new Set(['eth_getTransactionReceipt', 'eth_getTransactionByHash'])

/**
 * A server's RPC that lags the payer's, as public RPCs lag each other: it forwards every call to
 * `upstreamUrl`, except that it answers lookups of a transaction (receipt, transaction) with
 * "unknown" for `hideMs` after it is first asked about it (forever with `Infinity`, until
 * `reveal()`). The payer, on the node itself, sees the transaction confirmed all along.
 *
 * @example const rpc = await laggingRpc(node.rpcUrl, 20_000) // a server plugin on rpc.url lags 20 s
 */
export async function laggingRpc(upstreamUrl: string, hideMs: number): Promise<LaggingRpc> {
  const firstAsked = new Map<string, number>()
  const forward = forwardJsonRpc(upstreamUrl)
  let revealed = false
  let hidden = 0
  const server = await serveJsonRpc((method, params) => {
    if (!revealed && lookups.has(method) && typeof params[0] === 'string') {
      const hash = params[0].toLowerCase()
      const since = firstAsked.get(hash) ?? Date.now()
      firstAsked.set(hash, since)
      if (Date.now() - since < hideMs) {
        hidden++
        return null
      }
    }
    return forward(method, params)
  })
  return {
    ...server,
    get hidden() {
      return hidden
    },
    reveal() {
      revealed = true
    },
  }
}
