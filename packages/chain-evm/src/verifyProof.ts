import { rpcFault } from '@tx402/core'
import {
  type Address,
  createPublicClient,
  custom,
  hashMessage,
  isAddress,
  isHex,
  type PublicClient,
} from 'viem'
import { verifyHash } from 'viem/actions'
import { rpcSource } from './rpcSource.js'

/**
 * Checks an `x-payment-proof`: a signature of `message` (EIP-191 `personal_sign`) by `payer`,
 * through viem's own `verifyHash`: an EOA's signature is recovered locally, with no RPC; a
 * deployed contract wallet is asked through ERC-1271 `isValidSignature`; a wallet not deployed
 * yet proves itself with an ERC-6492-wrapped signature (its factory call is simulated, never
 * sent). A malformed signature, or a wallet that refuses or reverts, is `false`; an RPC failure
 * throws `VerifierUnavailableError` (503), so an outage never turns a good proof into
 * `proof_invalid` (viem reports every failure as `false`, so the transport is watched here).
 *
 * @example await verifyProof(client, 'base', { message: proofMessage(…), signature, payer })
 */
export async function verifyProof(
  client: PublicClient,
  chain: string,
  args: { message: string; signature: string; payer: string },
): Promise<boolean> {
  const { message, signature } = args
  if (!isHex(signature, { strict: true }) || !isAddress(args.payer, { strict: false })) return false
  let fault: unknown
  const watched = createPublicClient({
    transport: custom({
      async request(request) {
        try {
          return await client.request(request as never)
        } catch (error) {
          if (!isRefusal(error)) fault ??= error
          throw error
        }
      },
    }),
  })
  const valid = await verifyHash(watched, {
    address: args.payer as Address,
    hash: hashMessage(message),
    signature,
    mode: 'eoa',
  }).catch((error: unknown) => {
    fault ??= error
    return false
  })
  if (!valid && fault !== undefined) throw rpcFault(rpcSource(chain), 'checking the proof', fault)
  return valid
}

/** The node executed the check and it reverted: the wallet (or validator) said no. */
function isRefusal(error: unknown): boolean {
  for (let cause = error; cause instanceof Error; cause = cause.cause) {
    const code = (cause as { code?: unknown }).code
    if (code === 3 || /execution reverted|reverted/i.test(cause.message)) return true
  }
  return false
}
