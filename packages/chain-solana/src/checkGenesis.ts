import type { Connection } from '@solana/web3.js'
import { type Network, type RpcSource, VerifierUnavailableError, withRpcFault } from '@tx402/core'

/**
 * Makes `ready()`: confirms once that the RPC serves `network` (the first 32 characters of its
 * genesis hash), and remembers success; a failure or a mismatch throws
 * `VerifierUnavailableError` and is checked again on the next call.
 *
 * @example const ready = checkGenesis(connection, 'solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp'); await ready()
 */
export function checkGenesis(
  connection: Connection,
  network: Network,
  source: RpcSource,
): () => Promise<void> {
  let checked: Promise<void> | undefined
  const check = async (): Promise<void> => {
    const hash = await withRpcFault(source, 'reading the genesis hash', () =>
      connection.getGenesisHash(),
    )
    if (`solana:${hash.slice(0, 32)}` !== network) {
      throw new VerifierUnavailableError(
        `The ${source.chain} RPC serves another network than ${network}.`,
        {
          details: `Its genesis hash starts with ${hash.slice(0, 32)}.`,
        },
      )
    }
  }
  return () => {
    checked ??= check().catch((error: unknown) => {
      checked = undefined
      throw error
    })
    return checked
  }
}
