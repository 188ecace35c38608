import { ed25519 } from '@noble/curves/ed25519'
import { PublicKey } from '@solana/web3.js'
import bs58 from 'bs58'

/**
 * Checks an `x-payment-proof`: a base58 ed25519 signature of `message` (UTF-8) by `payer`.
 * Malformed input is simply not a valid proof.
 *
 * @example await verifyProof({ message: proofMessage(…), signature, payer }) // true
 */
export async function verifyProof(args: {
  message: string
  signature: string
  payer: string
}): Promise<boolean> {
  try {
    const signature = bs58.decode(args.signature)
    if (signature.length !== 64) return false
    const key = new PublicKey(args.payer).toBytes()
    // Strict RFC 8032 checks: no malleable signatures or small-order keys.
    return ed25519.verify(signature, new TextEncoder().encode(args.message), key, { zip215: false })
  } catch {
    return false
  }
}
