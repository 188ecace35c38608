import {
  AccountState,
  getAssociatedTokenAddressSync,
  getDefaultAccountState,
  getMemoTransfer,
  getNonTransferable,
  getPausableConfig,
  type Mint,
  TOKEN_2022_PROGRAM_ID,
  TOKEN_PROGRAM_ID,
  unpackAccount,
  unpackMint,
} from '@solana/spl-token'
import { type AccountInfo, type Connection, PublicKey, SystemProgram } from '@solana/web3.js'
import {
  ConfigurationError,
  formatAmount,
  type PaymentRequirement,
  type RpcSource,
  type WireAsset,
  withRpcFault,
} from '@tx402/core'

/**
 * Makes the destination part of the startup check, run by `ready()`: every way a payer would pay
 * `payTo` must land with `payTo`.
 *
 * - For each accepted mint, `payTo`'s associated token account (the account payers credit) is
 *   missing (the payer creates it in the same transaction, so the mint must not create accounts
 *   frozen) or a token account of that mint, owned by `payTo`, not frozen and not requiring a
 *   memo. An SPL Token account's owner can be moved with `SetAuthority`; a payment into it would
 *   then belong to someone else. A non-transferable or paused mint cannot be paid at all.
 * - For each native-SOL requirement given (the route's prices), `payTo`'s balance plus the price
 *   reaches the rent-exempt minimum of its data size: the runtime refuses any transfer that
 *   leaves an account funded below it ("insufficient funds for rent"), so no payer could pay.
 *
 * @throws ConfigurationError naming the account and the problem; `VerifierUnavailableError` on
 * an RPC fault.
 * @example await destinationCheck(connection, payTo, assets, source)([{ asset: sol, amount: 100_000n, … }])
 */
export function destinationCheck(
  connection: Connection,
  payTo: string,
  assets: readonly WireAsset[],
  source: RpcSource,
): (requirements?: readonly PaymentRequirement[]) => Promise<void> {
  const owner = new PublicKey(payTo)
  return async (requirements = []) => {
    for (const asset of assets) {
      if (asset.standard === 'spl') await checkTokenAccount(connection, owner, asset, source)
    }
    for (const requirement of requirements) {
      if (requirement.asset.standard === 'native') {
        await checkRentExemption(connection, owner, requirement.amount, source)
      }
    }
  }
}

async function checkTokenAccount(
  connection: Connection,
  payTo: PublicKey,
  asset: Extract<WireAsset, { standard: 'spl' }>,
  source: RpcSource,
): Promise<void> {
  const mint = new PublicKey(asset.mint)
  const mintAccount = await read(connection, mint, source, `the ${asset.symbol} mint`)
  const program = mintAccount?.owner
  let mintInfo: Mint | undefined
  try {
    if (program?.equals(TOKEN_PROGRAM_ID) || program?.equals(TOKEN_2022_PROGRAM_ID)) {
      mintInfo = unpackMint(mint, mintAccount, program)
    }
  } catch {
    // Owned by a token program but not a mint (a token account): refused below.
  }
  if (!mintInfo || !program) {
    throw new ConfigurationError(
      `The ${asset.symbol} mint ${asset.mint} is not a token mint on this network: no payer can pay it.`,
      { details: 'Check the asset list and the RPC network.' },
    )
  }
  const unpayable = mintProblem(mintInfo)
  if (unpayable) {
    throw new ConfigurationError(
      `The ${asset.symbol} mint ${asset.mint} ${unpayable}: no payer can pay it.`,
      { details: 'Accept another asset.' },
    )
  }
  const address = getAssociatedTokenAddressSync(mint, payTo, true, program)
  const info = await read(connection, address, source, `payTo's ${asset.symbol} token account`)
  const where = `payTo's ${asset.symbol} associated token account ${address.toBase58()}`
  // Missing (or only lamports sent to the address): the payer creates it, owned by payTo.
  if (!info || info.owner.equals(SystemProgram.programId)) {
    if (getDefaultAccountState(mintInfo)?.state !== AccountState.Frozen) return
    throw new ConfigurationError(
      `${where} does not exist, and the mint creates token accounts frozen: every payment into it would fail.`,
      { details: "Create it and ask the mint's freeze authority to thaw it before serving." },
    )
  }
  const refuse = (problem: string, details: string) =>
    new ConfigurationError(`${where} ${problem}: payments into it would not reach payTo.`, {
      details,
    })
  let account: ReturnType<typeof unpackAccount>
  try {
    account = unpackAccount(address, info, program)
  } catch {
    throw refuse(`is not a token account (owned by ${info.owner.toBase58()})`, 'Use another payTo.')
  }
  if (!account.owner.equals(payTo)) {
    throw refuse(
      `is owned by ${account.owner.toBase58()}, not by payTo`,
      'Its owner was moved (SetAuthority). Set payTo to a wallet whose associated token account it owns, or move the owner back.',
    )
  }
  if (!account.mint.equals(mint)) {
    throw refuse(`holds mint ${account.mint.toBase58()}`, 'Use another payTo.')
  }
  if (account.isFrozen) {
    throw refuse(
      'is frozen',
      "Every transfer into it fails. Ask the mint's freeze authority to thaw it, or use another payTo.",
    )
  }
  if (getMemoTransfer(account)?.requireIncomingTransferMemos) {
    throw refuse(
      'requires a memo on incoming transfers',
      "Payers send none, so every transfer into it fails. Turn off required memos (Token-2022's DisableRequiredMemoTransfers).",
    )
  }
}

// What makes every transfer of a Token-2022 mint fail, whoever pays.
function mintProblem(mint: Mint): string | undefined {
  if (getNonTransferable(mint)) return 'is non-transferable'
  if (getPausableConfig(mint)?.paused) return 'is paused'
  return undefined
}

async function checkRentExemption(
  connection: Connection,
  payTo: PublicKey,
  price: bigint,
  source: RpcSource,
): Promise<void> {
  const info = await read(connection, payTo, source, 'the payTo account')
  const size = info?.data.length ?? 0
  const minimum = BigInt(
    await withRpcFault(source, 'reading the rent-exempt minimum', () =>
      connection.getMinimumBalanceForRentExemption(size),
    ),
  )
  const balance = BigInt(info?.lamports ?? 0)
  if (balance + price >= minimum) return
  throw new ConfigurationError(
    `A price of ${formatAmount(price, 9)} SOL to payTo ${payTo.toBase58()} (balance ${formatAmount(balance, 9)} SOL) is below the rent-exempt minimum of ${formatAmount(minimum, 9)} SOL: every payment would be refused with "insufficient funds for rent".`,
    {
      details: `Fund payTo with at least ${formatAmount(minimum - balance, 9)} SOL, or raise the SOL price to at least ${formatAmount(minimum - balance, 9)}.`,
    },
  )
}

function read(
  connection: Connection,
  address: PublicKey,
  source: RpcSource,
  what: string,
): Promise<AccountInfo<Buffer> | null> {
  return withRpcFault(source, `reading ${what}`, () => connection.getAccountInfo(address))
}
