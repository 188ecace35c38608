import type { Network } from '@tx402/core/protocol'

/**
 * Wraps a payer's network lookup so it runs once and is shared by every later call; a failed
 * lookup is not kept, so the next call asks again (an RPC down at start-up does not stick).
 *
 * @example const getNetwork = cachedNetwork(() => publicClient.getChainId().then((id) => `eip155:${id}` as Network))
 */
export function cachedNetwork(lookup: () => Promise<Network>): () => Promise<Network> {
  let network: Promise<Network> | undefined
  return () => {
    network ??= lookup()
    // A failed lookup is not cached: the next call asks the RPC again.
    network.catch(() => {
      network = undefined
    })
    return network
  }
}
