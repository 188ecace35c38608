import {
  type Address,
  hashMessage,
  isAddress,
  isAddressEqual,
  isHex,
  type PublicClient,
  parseAbi,
  recoverMessageAddress,
} from 'viem'
import { rpcFault, withRpcFault } from './rpcFault.js'

const erc1271Abi = parseAbi([
  'function isValidSignature(bytes32 hash, bytes signature) view returns (bytes4)',
])
const erc1271MagicValue = '0x1626ba7e'

/**
 * Checks an `x-payment-proof`: an EIP-191 (`personal_sign`) signature of `message` by `payer`.
 * An EOA's signature is recovered locally, with no RPC; otherwise, when `payer` has code, its
 * ERC-1271 `isValidSignature` is asked, so smart wallets can prove payments too. A malformed
 * signature, or a wallet that refuses or reverts, is `false`; an RPC failure throws
 * `VerifierUnavailableError` (503), so an outage never turns a good proof into `proof_invalid`.
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
  try {
    const answer = await client.readContract({
      address: payer,
      abi: erc1271Abi,
      functionName: 'isValidSignature',
      args: [hashMessage(message), signature],
    })
    return answer.toLowerCase() === erc1271MagicValue
  } catch (error) {
    // viem's verifyMessage reports every failure as false, and readContract calls any RPC error a
    // revert: only the node's own "execution reverted" or an empty answer is the wallet saying no.
    if (isWalletRefusal(error)) return false
    throw rpcFault(chain, 'checking the proof', error)
  }
}

// By name, not instanceof: a client built by another copy of viem throws other classes.
const refusals = new Set([
  'ExecutionRevertedError',
  'ContractFunctionZeroDataError',
  'AbiDecodingZeroDataError',
  'AbiDecodingDataSizeTooSmallError',
])

function isWalletRefusal(error: unknown): boolean {
  for (let cause = error; cause instanceof Error; cause = cause.cause) {
    if (refusals.has(cause.name)) return true
  }
  return false
}
