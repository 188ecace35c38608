import {
  type Address,
  isAddress,
  isAddressEqual,
  isHex,
  type PublicClient,
  recoverMessageAddress,
} from 'viem'
import { withRpcFault } from './rpcFault.js'

/**
 * Checks an `x-payment-proof`: an EIP-191 (`personal_sign`) signature of `message` by `payer`.
 * An EOA's signature is recovered locally, with no RPC; otherwise, when `payer` has code, viem's
 * `verifyMessage` asks the chain (ERC-1271, ERC-6492), so smart wallets can prove payments too.
 * A malformed signature is `false`; an RPC failure while reading the payer's code throws
 * `VerifierUnavailableError`.
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
  const payer = args.payer as Address
  try {
    if (isAddressEqual(await recoverMessageAddress({ message, signature }), payer)) return true
  } catch {
    // Not a recoverable ECDSA signature: a contract wallet may still accept it.
  }
  const code = await withRpcFault(chain, 'reading the payer', () =>
    client.getCode({ address: payer }),
  )
  if (!code || code === '0x') return false
  // viem reports a failed or reverted validation call as false.
  return withRpcFault(chain, 'checking the proof', () =>
    client.verifyMessage({ address: payer, message, signature }),
  )
}
