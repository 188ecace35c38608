import {
  createAssociatedTokenAccountIdempotentInstruction,
  createTransferCheckedInstruction,
  createTransferCheckedWithFeeInstruction,
  getAssociatedTokenAddressSync,
  TOKEN_2022_PROGRAM_ID,
  TOKEN_PROGRAM_ID,
  unpackMint,
} from '@solana/spl-token'
import { PublicKey, SystemProgram, type TransactionInstruction } from '@solana/web3.js'
import { type AcceptOption, formatAmount, parseBaseUnits } from '@tx402/core/protocol'
import { PaymentFailedError, SpendingCapError } from '../errors.js'
import { checkRentExemption, checkTokenDestination } from './checkDestination.js'
import type { SolanaPayerContext } from './resolveOptions.js'
import { transferFeeAmount } from './transferFeeAmount.js'
import { addTransferHookAccounts } from './transferHookAccounts.js'

/**
 * The instructions paying `option.amount` (base units) to `option.payTo`: a native SOL transfer,
 * or an SPL Token / Token-2022 `transferChecked` between associated token accounts (the
 * destination's created idempotently first when it does not exist yet), with the challenge's
 * `reference` as a read-only non-signer key of the transfer. The mint's decimals are checked on
 * chain; a Token-2022 transfer fee is priced in (`transferCheckedWithFee` of the amount that
 * delivers the price) and a transfer hook's accounts are added. The account credited is read
 * first: `payTo`'s token account must be owned by `payTo` (of the mint, not frozen), and a SOL
 * amount must keep `payTo` rent-exempt. Throws `PaymentFailedError` when the asset differs from
 * the challenge or a key is not a public key, `SpendingCapError` when what leaves the wallet
 * exceeds `limits.maxAmount`, `TransferFeeError` when a fee cannot be priced in,
 * `PayToAccountError` when the credited account cannot take it.
 *
 * @example const instructions = await buildTransfer(context, option, { maxAmount: 1_000_000n })
 */
export async function buildTransfer(
  { connection, owner }: SolanaPayerContext,
  option: AcceptOption,
  limits: { maxAmount?: bigint } | undefined,
): Promise<TransactionInstruction[]> {
  const { asset } = option
  const amount = parseBaseUnits(option.amount)
  const payTo = publicKey(option.payTo, 'payTo')
  const reference = option.reference ? publicKey(option.reference, 'reference') : undefined
  let transfer: TransactionInstruction
  const instructions: TransactionInstruction[] = []
  if (asset.standard === 'native') {
    if (asset.decimals !== 9 || asset.symbol.toUpperCase() !== 'SOL') {
      throw new PaymentFailedError(
        `The challenge describes native SOL as ${asset.symbol} with ${asset.decimals} decimals.`,
      )
    }
    await checkRentExemption(connection, { payTo, lamports: amount, chain: option.chain })
    transfer = SystemProgram.transfer({ fromPubkey: owner, toPubkey: payTo, lamports: amount })
  } else if (asset.standard === 'spl') {
    const mint = publicKey(asset.mint, 'mint')
    const mintAccount = await connection.getAccountInfo(mint)
    const programId = mintAccount?.owner
    if (
      !programId ||
      !(programId.equals(TOKEN_PROGRAM_ID) || programId.equals(TOKEN_2022_PROGRAM_ID))
    ) {
      throw new PaymentFailedError(`${asset.mint} is not a token mint on this network.`)
    }
    const mintInfo = unpackMint(mint, mintAccount, programId)
    const { decimals } = mintInfo
    if (decimals !== asset.decimals) {
      throw new PaymentFailedError(
        `The challenge says ${asset.symbol} has ${asset.decimals} decimals; the mint has ${decimals}. Nothing was paid.`,
      )
    }
    const source = getAssociatedTokenAddressSync(mint, owner, true, programId)
    // `payTo` may be a PDA (a vault or multisig), hence allowOwnerOffCurve.
    const destination = getAssociatedTokenAddressSync(mint, payTo, true, programId)
    const target = { destination, payTo, mint, programId, chain: option.chain }
    if ((await checkTokenDestination(connection, target)) === 'missing') {
      instructions.push(
        createAssociatedTokenAccountIdempotentInstruction(
          owner,
          destination,
          payTo,
          mint,
          programId,
        ),
      )
    }
    // A Token-2022 transfer fee is priced in: the price arrives; the cap covers what is sent.
    const { gross, fee } = await transferFeeAmount(connection, mintInfo, amount)
    if (limits?.maxAmount !== undefined && gross > limits.maxAmount) {
      throw new SpendingCapError({
        symbol: asset.symbol,
        amount: formatAmount(gross, decimals),
        cap: formatAmount(limits.maxAmount, decimals),
        chain: option.chain,
      })
    }
    transfer =
      fee === undefined
        ? createTransferCheckedInstruction(
            source,
            mint,
            destination,
            owner,
            amount,
            decimals,
            [],
            programId,
          )
        : createTransferCheckedWithFeeInstruction(
            source,
            mint,
            destination,
            owner,
            gross,
            decimals,
            fee,
            [],
            programId,
          )
    await addTransferHookAccounts(connection, transfer, mintInfo, {
      source,
      destination,
      owner,
      amount: fee === undefined ? amount : gross,
    })
  } else {
    throw new PaymentFailedError(`A Solana payer cannot pay ${asset.standard} assets.`)
  }
  // Solana Pay's reference: binds the transaction to the challenge.
  if (reference) transfer.keys.push({ pubkey: reference, isSigner: false, isWritable: false })
  instructions.push(transfer)
  return instructions
}

function publicKey(value: string, what: string): PublicKey {
  try {
    return new PublicKey(value)
  } catch (cause) {
    throw new PaymentFailedError(`${what} ${value.slice(0, 60)} is not a Solana public key.`, {
      cause,
    })
  }
}
