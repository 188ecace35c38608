import {
  forwardJsonRpc,
  JsonRpcError,
  type JsonRpcServer,
  serveJsonRpc,
} from '../evm/serveJsonRpc.js'

/** What a `partialRpc` lacks. */
export interface PartialRpcOptions {
  /**
   * Methods the node does not serve: answered -32601 Method not found, as a node without the
   * `debug` or `trace` namespace (or a provider's plan without them) answers; or with the error
   * returned (a Solana node without history: `{ code: -32011, message: 'Transaction history is
   * not available from this node' }`).
   */
  unsupported?: (method: string) => boolean | { code: number; message: string }
  /**
   * Block tags the node keeps no head for, and how `eth_getBlockByNumber(tag)` answers them:
   * `null` (Nethermind, reth) or `unknown-block`, error -39001 Unknown block (Besu, Erigon).
   */
  missingTags?: Readonly<Record<string, 'null' | 'unknown-block'>>
}

/** A running `partialRpc`. */
export interface PartialRpc extends JsonRpcServer {
  /** Calls it refused or answered as missing, by method. */
  readonly refused: string[]
}

/**
 * A loopback JSON-RPC proxy in front of a real node (anvil) that lacks features real nodes and
 * providers lack: it forwards every call, except that `unsupported` methods fail with -32601 and
 * `missingTags` are not served by `eth_getBlockByNumber`. Test support for "the RPC cannot answer
 * what the plugin needs" (execution-apis #879: `safe`/`finalized` differ between clients).
 *
 * @example
 * const rpc = await partialRpc(node.rpcUrl, { unsupported: (m) => /^(debug|trace)_/.test(m), missingTags: { safe: 'null' } })
 * after(() => rpc.close())
 */
export async function partialRpc(
  upstreamUrl: string,
  options: PartialRpcOptions,
): Promise<PartialRpc> {
  const forward = forwardJsonRpc(upstreamUrl)
  const refused: string[] = []
  const server = await serveJsonRpc((method, params) => {
    const refusal = options.unsupported?.(method)
    if (refusal) {
      refused.push(method)
      if (refusal === true) throw new JsonRpcError(-32601, 'Method not found')
      throw new JsonRpcError(refusal.code, refusal.message)
    }
    const tag = method === 'eth_getBlockByNumber' ? String(params[0]) : undefined
    const missing = tag === undefined ? undefined : options.missingTags?.[tag]
    if (missing) {
      refused.push(`${method}(${tag})`)
      if (missing === 'null') return null
      throw new JsonRpcError(-39001, 'Unknown block')
    }
    return forward(method, params)
  })
  return { ...server, refused }
}
