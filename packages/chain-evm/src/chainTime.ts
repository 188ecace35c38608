import { withRpcFault } from '@tx402/core'
import type { PublicClient } from 'viem'
import { rpcSource } from './rpcSource.js'

/**
 * Unix seconds of the `latest` block (one `eth_getBlockByNumber`, without its transactions):
 * the chain's own clock, which the engine compares with its own (a chain's block timestamps can
 * lag wall time). RPC faults throw `VerifierUnavailableError`.
 *
 * @example const seconds = await chainTime(client, 'base')
 */
export async function chainTime(client: PublicClient, name: string): Promise<number> {
  const block = await withRpcFault(rpcSource(name), 'reading the latest block', () =>
    client.getBlock({ blockTag: 'latest' }),
  )
  return Number(block.timestamp)
}
