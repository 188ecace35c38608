import { type AcceptOption, parseBaseUnits } from '@tx402/core/protocol'
import { type Address, encodeFunctionData, erc20Abi, type Hex, isAddress } from 'viem'
import { PaymentFailedError } from '../errors.js'
import { refuseContractNative } from './refuseContractNative.js'
import type { EvmPayerContext } from './resolveOptions.js'

/** The call that pays an option: an ERC-20 `transfer`, or a native-coin value transfer. */
export interface EvmTransfer {
  to: Address
  data?: Hex
  value?: bigint
}

/**
 * Builds the call paying `option.amount` (base units) to `option.payTo`, after reading the
 * token's `symbol()` and `decimals()` on chain (or the chain's native currency) and checking they
 * match the challenge, so a server cannot misstate an asset to slip past the spending cap.
 * Throws `PaymentFailedError` when they differ, when they cannot be read, or when `payTo` or the
 * token is not an EVM address, and `ContractWalletNativeError` for native coin the server counts
 * only as a top-level transfer when the account is a contract wallet.
 *
 * @example const call = await buildTransfer(context, option) // { to: token, data: transfer(payTo, amount) }
 */
export async function buildTransfer(
  context: EvmPayerContext,
  option: AcceptOption,
): Promise<EvmTransfer> {
  await checkAsset(context, option)
  // A contract wallet's native transfer is a call the server may not count: refused unsigned.
  await refuseContractNative(context, option)
  return transferCall(option)
}

/**
 * The call paying `amount` (base units) of `asset` to `payTo`, with no I/O: what a journaled
 * payment's transaction carries, so a wallet's repriced replacement of it is recognised. Throws
 * `PaymentFailedError` when `payTo` or the token is not an EVM address.
 *
 * @example transferCall({ asset, payTo, amount: '10000' }) // { to: token, data: transfer(payTo, 10000), value: 0n }
 */
export function transferCall(
  transfer: Pick<AcceptOption, 'asset' | 'payTo' | 'amount'>,
): Required<EvmTransfer> {
  const amount = parseBaseUnits(transfer.amount)
  if (!isAddress(transfer.payTo)) {
    throw new PaymentFailedError(`payTo ${transfer.payTo.slice(0, 60)} is not an EVM address.`)
  }
  if (transfer.asset.standard === 'native') return { to: transfer.payTo, data: '0x', value: amount }
  const token = (transfer.asset as { address?: string }).address
  if (!token || !isAddress(token)) {
    throw new PaymentFailedError(`Cannot pay ${transfer.asset.symbol}: not an ERC-20 address.`)
  }
  return {
    to: token,
    data: encodeFunctionData({
      abi: erc20Abi,
      functionName: 'transfer',
      args: [transfer.payTo, amount],
    }),
    value: 0n,
  }
}

async function checkAsset(
  { publicClient, walletClient }: EvmPayerContext,
  option: AcceptOption,
): Promise<void> {
  const { asset } = option
  if (asset.standard === 'native') {
    const native = publicClient.chain?.nativeCurrency ?? walletClient.chain?.nativeCurrency
    const symbolMatches = !native || native.symbol.toUpperCase() === asset.symbol.toUpperCase()
    if (asset.decimals !== (native?.decimals ?? 18) || !symbolMatches) {
      throw new PaymentFailedError(
        `The challenge describes the native coin as ${asset.symbol} with ${asset.decimals} decimals; the chain says ${native?.symbol ?? '?'} with ${native?.decimals ?? 18}.`,
      )
    }
    return
  }
  if (asset.standard !== 'erc20' || !isAddress(asset.address)) {
    throw new PaymentFailedError(`Cannot pay ${asset.symbol}: not an ERC-20 address.`)
  }
  const address = asset.address
  let symbol: string
  let decimals: number
  try {
    ;[symbol, decimals] = await Promise.all([
      publicClient.readContract({ address, abi: erc20Abi, functionName: 'symbol' }),
      publicClient.readContract({ address, abi: erc20Abi, functionName: 'decimals' }),
    ])
  } catch (cause) {
    throw new PaymentFailedError(`Could not read symbol() and decimals() of ${address}.`, {
      cause,
    })
  }
  if (decimals !== asset.decimals || symbol.toUpperCase() !== asset.symbol.toUpperCase()) {
    throw new PaymentFailedError(
      `The challenge describes ${address} as ${asset.symbol} with ${asset.decimals} decimals; the contract says ${symbol} with ${decimals}. Nothing was paid.`,
    )
  }
}
