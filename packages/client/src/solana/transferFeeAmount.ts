import { calculateFee, getEpochFee, getTransferFeeConfig, type Mint } from '@solana/spl-token'
import type { Connection } from '@solana/web3.js'
import { TransferFeeError } from '../refusals.js'
import { grossForNet } from './grossForNet.js'

/**
 * What to send so that `net` arrives, for a mint with the Token-2022 transfer-fee extension read
 * through spl-token (`getTransferFeeConfig`, `getEpochFee`, `calculateFee`): the gross amount and
 * the fee the program will withhold at the current epoch (`transferCheckedWithFee` asserts it, so
 * a transaction landing after a fee change fails instead of delivering less). Without the
 * extension: `{ gross: net, fee: undefined }`. Throws `TransferFeeError` when a fee change takes
 * effect at the next epoch boundary and would leave the payee short, or when no amount delivers
 * `net`.
 *
 * @example const { gross, fee } = await transferFeeAmount(connection, mintInfo, 10_000n)
 */
export async function transferFeeAmount(
  connection: Connection,
  mint: Mint,
  net: bigint,
): Promise<{ gross: bigint; fee: bigint | undefined }> {
  const config = getTransferFeeConfig(mint)
  if (!config) return { gross: net, fee: undefined }
  const { epoch } = await connection.getEpochInfo('confirmed')
  const current = BigInt(epoch)
  const fee = getEpochFee(config, current)
  const gross = grossForNet(net, fee)
  const name = mint.address.toBase58()
  if (gross === undefined) {
    throw new TransferFeeError(name, 'no transfer amount delivers the price after its fee.')
  }
  const { newerTransferFee: newer } = config
  // A transaction signed now may land after the next epoch boundary, under the newer fee.
  if (newer.epoch === current + 1n && gross - calculateFee(newer, gross) < net) {
    throw new TransferFeeError(
      name,
      `its transfer fee changes to ${newer.transferFeeBasisPoints} basis points at epoch ${newer.epoch}, the next, which would leave the payee short of the price.`,
    )
  }
  return { gross, fee: calculateFee(fee, gross) }
}
