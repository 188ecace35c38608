import { TOKEN_2022_PROGRAM_ID, TOKEN_PROGRAM_ID } from '@solana/spl-token'
import { type Connection, PublicKey } from '@solana/web3.js'
import { ConfigurationError, type RpcSource, type WireAsset, withRpcFault } from '@tx402/core'

const tokenPrograms = [TOKEN_PROGRAM_ID, TOKEN_2022_PROGRAM_ID]

/**
 * Refuses at setup a `payTo` that is one of the accepted mints: a payer's wallet would send to
 * an associated token account of the mint, owned by an address nobody can sign for.
 *
 * @throws ConfigurationError naming the mint.
 */
export function refuseMintAsPayTo(payTo: string, assets: readonly WireAsset[]): void {
  for (const asset of assets) {
    if (asset.standard === 'spl' && asset.mint === payTo) {
      throw new ConfigurationError(
        `payTo ${payTo} is the ${asset.symbol} mint itself: payments to it would be lost.`,
        { details: "Set payTo to the receiving wallet's owner public key." },
      )
    }
  }
}

/**
 * Makes the chain part of the `payTo` check, run once by `ready()`: `payTo` must not be an account
 * of the Token or Token-2022 program (a token account or a mint). Wallets pay the associated
 * token account of `payTo` as an owner; a token account as owner would be an address that can
 * never sign, so the money could never be moved. A missing account (a fresh wallet) is fine.
 *
 * @example const checkPayTo = payToAccountCheck(connection, payTo); await checkPayTo()
 */
export function payToAccountCheck(
  connection: Connection,
  payTo: string,
  source: RpcSource,
): () => Promise<void> {
  return async () => {
    const info = await withRpcFault(source, 'reading the payTo account', () =>
      connection.getAccountInfo(new PublicKey(payTo)),
    )
    if (!info || !tokenPrograms.some((program) => info.owner.equals(program))) return
    throw new ConfigurationError(
      `payTo ${payTo} is a token account or a mint (owned by ${info.owner.toBase58()}), not a wallet: payments to it could never be moved.`,
      {
        details:
          "Set payTo to the wallet's owner public key; payers send to that owner's associated token account.",
      },
    )
  }
}
