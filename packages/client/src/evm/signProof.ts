import type { EvmPayerContext } from './resolveOptions.js'

/**
 * Signs the `x-payment-proof` message with the paying account: an EIP-191 signature, `0x` hex.
 *
 * @example const proof = await signProof(context, message)
 */
export async function signProof(
  { walletClient, account }: EvmPayerContext,
  message: string,
): Promise<string> {
  return walletClient.signMessage({ account, message })
}
