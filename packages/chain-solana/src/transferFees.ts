import {
  getEpochFee,
  getTransferFeeConfig,
  TOKEN_2022_PROGRAM_ID,
  unpackMint,
} from '@solana/spl-token'
import { type Connection, PublicKey } from '@solana/web3.js'
import type { AcceptOption, WireAsset } from '@tx402/core'

/** What a plugin knows of its mints' Token-2022 transfer fees. */
export interface TransferFees {
  /** Reads a mint's transfer-fee extension (spl-token's `getTransferFeeConfig`); a notice when it has one. */
  inspectAsset(asset: WireAsset): Promise<{ notice?: string } | undefined>
  /** The `accepts[].transferFee` of a mint inspected with a fee, else undefined. */
  acceptsField(asset: WireAsset): AcceptOption['transferFee']
}

/**
 * Transfer fees of Token-2022 mints, read once at setup: the server counts only what arrives, so
 * a payer must send more; `accepts` says so (`transferFee`, the current epoch's fee) and setup
 * logs a warning. RPC failures leave the mint without a notice (payers read the fee themselves).
 *
 * @example const fees = transferFees(connection); await fees.inspectAsset(asset); fees.acceptsField(asset)
 */
export function transferFees(connection: Connection): TransferFees {
  const known = new Map<string, NonNullable<AcceptOption['transferFee']>>()
  return {
    async inspectAsset(asset) {
      if (asset.standard !== 'spl') return undefined
      try {
        const mint = new PublicKey(asset.mint)
        const account = await connection.getAccountInfo(mint)
        if (!account?.owner.equals(TOKEN_2022_PROGRAM_ID)) return undefined
        const config = getTransferFeeConfig(unpackMint(mint, account, TOKEN_2022_PROGRAM_ID))
        if (!config) return undefined
        const { epoch } = await connection.getEpochInfo()
        const fee = getEpochFee(config, BigInt(epoch))
        const newer = config.newerTransferFee
        if (fee.transferFeeBasisPoints === 0 && newer.transferFeeBasisPoints === 0) return undefined
        known.set(asset.mint, {
          basisPoints: fee.transferFeeBasisPoints,
          maximumFee: fee.maximumFee.toString(),
        })
        return {
          notice: `${asset.symbol} (${asset.mint}) charges a transfer fee of ${fee.transferFeeBasisPoints} basis points (at most ${fee.maximumFee} base units): payers must send more for the price to arrive, as accepts[].transferFee says; only what arrives is counted.`,
        }
      } catch {
        return undefined
      }
    },
    acceptsField: (asset) => (asset.standard === 'spl' ? known.get(asset.mint) : undefined),
  }
}
