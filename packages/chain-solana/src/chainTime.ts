import type { Connection } from '@solana/web3.js'
import { type RpcSource, withRpcFault } from '@tx402/core'

/**
 * Unix seconds of the latest slot at `commitment` (`getSlot`, then `getBlockTime`): the
 * cluster's own clock, which can run minutes behind wall time (solana #18992, #25668); undefined
 * when the node keeps no time for that slot. RPC faults throw `VerifierUnavailableError`.
 *
 * @example const seconds = await chainTime(connection, 'confirmed', source)
 */
export async function chainTime(
  connection: Connection,
  commitment: 'confirmed' | 'finalized',
  source: RpcSource,
): Promise<number | undefined> {
  return withRpcFault(source, 'reading the cluster time', async () => {
    const slot = await connection.getSlot(commitment)
    return (await connection.getBlockTime(slot)) ?? undefined
  })
}
