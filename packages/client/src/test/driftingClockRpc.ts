import { forwardJsonRpc, type JsonRpcServer, serveJsonRpc } from '@tx402/testing/evm'

/**
 * A Solana RPC whose cluster clock runs `driftSeconds` behind wall time (negative: ahead), as
 * clusters drifted in solana #18992 and #25668: a loopback proxy in front of `upstreamUrl` that
 * subtracts the drift from every block time it answers (`getTransaction`'s `blockTime`,
 * `getBlockTime`) and forwards everything else as is.
 *
 * @example const rpc = await driftingClockRpc(solanaEnv.rpc.rpcUrl, 120) // blocks stamped 120 s early
 */
export async function driftingClockRpc(
  upstreamUrl: string,
  driftSeconds: number,
): Promise<JsonRpcServer> {
  const forward = forwardJsonRpc(upstreamUrl)
  return serveJsonRpc(async (method, params) => {
    const result = await forward(method, params)
    if (method === 'getBlockTime' && typeof result === 'number') return result - driftSeconds
    if (method === 'getTransaction' && result && typeof result === 'object') {
      const { blockTime } = result as { blockTime?: unknown }
      if (typeof blockTime === 'number') return { ...result, blockTime: blockTime - driftSeconds }
    }
    return result
  })
}
