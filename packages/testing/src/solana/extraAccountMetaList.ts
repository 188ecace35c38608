import { type Address, lamports } from '@solana/kit'
import {
  createExecuteInstruction,
  ExtraAccountMetaAccountDataLayout,
  ExtraAccountMetaLayout,
  getExtraAccountMetaAddress,
} from '@solana/spl-token'
import { type PublicKey, SystemProgram } from '@solana/web3.js'
import type { LiteSVM } from 'litesvm'

/**
 * Writes the `ExtraAccountMetaList` of `mint` for the transfer-hook program `programId`: its PDA
 * `["extra-account-metas", mint]`, owned by `programId`, listing `extraAccounts` for the
 * `Execute` instruction as read-only, non-signer fixed addresses, encoded with spl-token's
 * layouts (the state the hook program's `InitializeExtraAccountMetaList` leaves). Returns the
 * PDA. Test support.
 *
 * @example writeExtraAccountMetaList(svm, { mint, programId, extraAccounts: [allowList] })
 */
export function writeExtraAccountMetaList(
  svm: LiteSVM,
  options: { mint: PublicKey; programId: PublicKey; extraAccounts: readonly PublicKey[] },
): PublicKey {
  const { mint, programId, extraAccounts } = options
  const address = getExtraAccountMetaAddress(mint, programId)
  // The TLV entry is keyed by Execute's 8-byte discriminator, read from spl-token's own builder.
  const execute = createExecuteInstruction(programId, mint, mint, mint, mint, address, 0n)
  const listLength = 4 + extraAccounts.length * ExtraAccountMetaLayout.span
  const data = Buffer.alloc(8 + 4 + listLength)
  ExtraAccountMetaAccountDataLayout.encode(
    {
      instructionDiscriminator: execute.data.readBigUInt64LE(0),
      length: listLength,
      extraAccountsList: {
        count: extraAccounts.length,
        extraAccounts: extraAccounts.map((account) => ({
          discriminator: 0,
          addressConfig: account.toBytes(),
          isSigner: false,
          isWritable: false,
        })),
      },
    },
    data,
  )
  svm.setAccount({
    address: address.toBase58() as Address,
    lamports: lamports(svm.minimumBalanceForRentExemption(BigInt(data.length))),
    programAddress: programId.toBase58() as Address,
    data,
    executable: false,
    space: BigInt(data.length),
  })
  // Each extra account exists, as a hook's own state would.
  for (const account of extraAccounts) {
    if (svm.getAccount(account.toBase58() as Address).exists) continue
    svm.setAccount({
      address: account.toBase58() as Address,
      lamports: lamports(svm.minimumBalanceForRentExemption(0n)),
      programAddress: SystemProgram.programId.toBase58() as Address,
      data: new Uint8Array(),
      executable: false,
      space: 0n,
    })
  }
  return address
}
