import { unpackAccount } from '@solana/spl-token'
import { type Connection, type PublicKey, SystemProgram } from '@solana/web3.js'
import { formatAmount } from '@tx402/core/protocol'
import { PayToAccountError } from '../refusals.js'

/**
 * Reads `payTo`'s associated token account (`destination`) before signing: `'missing'` when it
 * does not exist yet (the payer creates it, owned by `payTo`), `'ready'` when it is a token
 * account of `mint` owned by `payTo` and not frozen.
 *
 * @throws PayToAccountError otherwise: an owner moved with `SetAuthority` would take the money.
 * @example if ((await checkTokenDestination(connection, target)) === 'missing') instructions.push(create)
 */
export async function checkTokenDestination(
  connection: Connection,
  target: {
    destination: PublicKey
    payTo: PublicKey
    mint: PublicKey
    programId: PublicKey
    chain: string
  },
): Promise<'missing' | 'ready'> {
  const { destination, payTo, mint, programId, chain } = target
  const info = await connection.getAccountInfo(destination)
  // Only lamports at the address: the associated token program still creates the account there.
  if (!info || info.owner.equals(SystemProgram.programId)) return 'missing'
  const refuse = (reason: PayToAccountError['reason'], found: string) =>
    new PayToAccountError({
      reason,
      payTo: payTo.toBase58(),
      account: destination.toBase58(),
      chain,
      found,
    })
  let account: ReturnType<typeof unpackAccount>
  try {
    account = unpackAccount(destination, info, programId)
  } catch {
    throw refuse('not_a_token_account', info.owner.toBase58())
  }
  if (!account.owner.equals(payTo)) throw refuse('owner_moved', account.owner.toBase58())
  if (!account.mint.equals(mint)) throw refuse('wrong_mint', account.mint.toBase58())
  if (account.isFrozen) throw refuse('frozen', 'frozen')
  return 'ready'
}

/**
 * Refuses a native-SOL amount that would leave `payTo` funded below the rent-exempt minimum of
 * its data size: the runtime refuses such a transfer ("insufficient funds for rent"), so signing
 * it would only fail.
 *
 * @throws PayToAccountError with reason `below_rent_exemption`.
 * @example await checkRentExemption(connection, { payTo, lamports: 100_000n, chain: 'solana' })
 */
export async function checkRentExemption(
  connection: Connection,
  target: { payTo: PublicKey; lamports: bigint; chain: string },
): Promise<void> {
  const { payTo, lamports, chain } = target
  const info = await connection.getAccountInfo(payTo)
  const minimum = BigInt(await connection.getMinimumBalanceForRentExemption(info?.data.length ?? 0))
  const balance = BigInt(info?.lamports ?? 0)
  if (balance + lamports >= minimum) return
  throw new PayToAccountError({
    reason: 'below_rent_exemption',
    payTo: payTo.toBase58(),
    account: payTo.toBase58(),
    chain,
    found: `${formatAmount(minimum, 9)} SOL; payTo holds ${formatAmount(balance, 9)} SOL and the price is ${formatAmount(lamports, 9)} SOL`,
  })
}
