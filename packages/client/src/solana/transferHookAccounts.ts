import { addExtraAccountMetasForExecute, getTransferHook, type Mint } from '@solana/spl-token'
import { type Connection, PublicKey, type TransactionInstruction } from '@solana/web3.js'

/**
 * Adds a Token-2022 transfer hook's accounts to `transfer` (a `transferChecked` or
 * `transferCheckedWithFee` of `accounts.amount` base units): the extra accounts the mint's
 * `ExtraAccountMetaList` names, resolved for this transfer, then the hook program and that list,
 * as the token program passes them to the hook's `Execute` (spl-token's
 * `addExtraAccountMetasForExecute`; SPL transfer-hook interface). Without them the token program
 * refuses the transfer. A mint with no hook, or a hook set to no program, is left as it is.
 *
 * @example await addTransferHookAccounts(connection, transfer, mintInfo, { source, destination, owner, amount })
 */
export async function addTransferHookAccounts(
  connection: Connection,
  transfer: TransactionInstruction,
  mint: Mint,
  accounts: { source: PublicKey; destination: PublicKey; owner: PublicKey; amount: bigint },
): Promise<void> {
  const hook = getTransferHook(mint)
  if (!hook || hook.programId.equals(PublicKey.default)) return
  await addExtraAccountMetasForExecute(
    connection,
    transfer,
    hook.programId,
    accounts.source,
    mint.address,
    accounts.destination,
    accounts.owner,
    accounts.amount,
  )
}
