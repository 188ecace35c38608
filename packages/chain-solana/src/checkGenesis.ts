import type { Connection } from '@solana/web3.js'
import { type Network, VerifierUnavailableError } from '@tx402/core'
import { callRpc } from './createConnection.js'

/**
 * Makes `ready()`: confirms once that the RPC serves `network` (the first 32 characters of its
 * genesis hash), and remembers success; a failure or a mismatch throws
 * `VerifierUnavailableError` and is checked again on the next call.
 *
 * @example const ready = checkGenesis(connection, 'solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp'); await ready()
 */
export function checkGenesis(connection: Connection, network: Network): () => Promise<void> {
  let checked: Promise<void> | undefined
  const check = async (): Promise<void> => {
    const hash = await callRpc('getGenesisHash', () => connection.getGenesisHash())
    if (`solana:${hash.slice(0, 32)}` !== network) {
      throw new VerifierUnavailableError(`The Solana RPC serves another network than ${network}.`, {
        details: `Its genesis hash starts with ${hash.slice(0, 32)}.`,
      })
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
