import { ed25519 } from '@noble/curves/ed25519'
import { ConfigurationError } from '@tx402/core/protocol'
import bs58 from 'bs58'
import type { SolanaPayerContext } from './resolveOptions.js'

/**
 * Signs the `x-payment-proof` message: ed25519 over its UTF-8 bytes, base58. Throws
 * `ConfigurationError` when a wallet adapter has no `signMessage`.
 *
 * @example const proof = await signProof(context, message)
 */
export async function signProof({ signer }: SolanaPayerContext, message: string): Promise<string> {
  const bytes = new TextEncoder().encode(message)
  if ('secretKey' in signer) return bs58.encode(ed25519.sign(bytes, signer.secretKey.slice(0, 32)))
  if (!signer.signMessage) {
    throw new ConfigurationError(
      'The server asks for x-payment-proof; this Solana signer has no signMessage.',
    )
  }
  return bs58.encode(await signer.signMessage(bytes))
}
