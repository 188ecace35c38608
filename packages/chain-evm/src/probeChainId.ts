import { VerifierUnavailableError } from '@tx402/core'
import type { VerifiedRpc } from './verifiedRpc.js'

/**
 * Asks `eth_chainId` now, for `health()`: an RPC that went down or was re-pointed since it was
 * proven shows here, without waiting for a payment. The message names the chain, never the URL.
 *
 * @throws VerifierUnavailableError
 * @example await probeChainId(rpc, 'base', 8453)
 */
export async function probeChainId(rpc: VerifiedRpc, name: string, chainId: number): Promise<void> {
  const client = await rpc.client()
  let answered: number
  try {
    answered = await client.getChainId()
  } catch {
    throw new VerifierUnavailableError(`The ${name} RPC did not answer eth_chainId.`)
  }
  if (answered !== chainId) {
    rpc.distrust(client)
    throw new VerifierUnavailableError(`The ${name} RPC serves chain ${answered}, not ${chainId}.`)
  }
}
