import type { Connection } from '@solana/web3.js'
import { type RpcSource, withRpcFault } from '@tx402/core'
import { isSolanaJsonRpcError } from './rpcSource.js'

// A slot with no block to time: skipped (-32007, -32009) or not available yet (-32004).
const untimedSlotCodes = new Set([-32004, -32007, -32009])
const slotsTried = 4

/**
 * Unix seconds of the latest slot at `commitment` that has a block (`getSlot`, then
 * `getBlockTime`, stepping back over skipped slots): the cluster's own clock, which can run
 * minutes behind wall time (solana #18992, #25668); undefined when the node keeps no time for
 * those slots. RPC faults throw `VerifierUnavailableError`.
 *
 * @example const seconds = await chainTime(connection, 'confirmed', source)
 */
export async function chainTime(
  connection: Connection,
  commitment: 'confirmed' | 'finalized',
  source: RpcSource,
): Promise<number | undefined> {
  return withRpcFault(source, 'reading the cluster time', async () => {
    const latest = await connection.getSlot(commitment)
    for (let slot = latest; slot > latest - slotsTried && slot >= 0; slot--) {
      try {
        const time = await connection.getBlockTime(slot)
        if (time !== null) return time
      } catch (error) {
        // By name, as every error of another library is read here (rpcSource.ts).
        const untimed =
          isSolanaJsonRpcError(error) &&
          typeof error.code === 'number' &&
          untimedSlotCodes.has(error.code)
        if (!untimed) throw error
      }
    }
    return undefined
  })
}
