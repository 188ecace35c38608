import type { AcceptOption } from '@tx402/core/protocol'
import { type Hex, size, sliceHex } from 'viem'
import { PaymentFailedError } from '../errors.js'
import { ContractWalletNativeError } from './contractWalletNativeError.js'
import type { EvmPayerContext } from './resolveOptions.js'

// EIP-7702: an account whose code is this prefix and an address still signs its own transactions.
const delegationPrefix = '0xef0100'

/**
 * Refuses, before signing, to pay a `nativeTransfer: 'top-level'` option from a contract wallet.
 * A local account signs the transaction itself, so its value is top-level whatever code it has;
 * a smart account always sends through a contract; a JSON-RPC (browser) wallet is a contract
 * wallet when its address holds code other than an EIP-7702 delegation (Coinbase Smart Wallet,
 * a Safe behind WalletConnect). Throws `ContractWalletNativeError`, or `PaymentFailedError` when
 * the code cannot be read.
 *
 * @example await refuseContractNative(context, option)
 */
export async function refuseContractNative(
  { account, publicClient }: EvmPayerContext,
  option: AcceptOption,
): Promise<void> {
  if (option.asset.standard !== 'native' || option.nativeTransfer !== 'top-level') return
  if (account.type === 'local') return
  const refuse = () =>
    new ContractWalletNativeError({
      account: account.address,
      chain: option.chain,
      symbol: option.asset.symbol,
    })
  if (account.type === 'smart') throw refuse()
  let code: Hex | undefined
  try {
    code = await publicClient.getCode({ address: account.address })
  } catch (cause) {
    throw new PaymentFailedError(`Could not read whether ${account.address} is a contract.`, {
      cause,
    })
  }
  if (!code || code === '0x') return
  const delegated = size(code) === 23 && sliceHex(code, 0, 3) === delegationPrefix
  if (!delegated) throw refuse()
}
