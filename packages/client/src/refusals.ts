import { defineError } from './defineError.js'

/**
 * The request was redirected to another origin, which answered 402: the client pays only the
 * origin it was asked to call (same-origin redirects are followed). Thrown before anything is
 * signed: nothing was paid. Set `allowCrossOriginRedirect: true` to pay the origin that answers.
 *
 * @example
 * if (e instanceof CrossOriginRedirectError) console.log(e.askedOrigin, e.answeringOrigin)
 */
export class CrossOriginRedirectError extends defineError(
  'CrossOriginRedirectError',
  (fields: {
    /** The origin of the URL the caller asked for. */
    askedOrigin: string
    /** The origin whose 402 was refused. */
    answeringOrigin: string
  }) => ({
    message: `Refused to pay ${fields.answeringOrigin}: the request to ${fields.askedOrigin} was redirected there.`,
    details:
      'Call the answering origin directly, or set allowCrossOriginRedirect: true. Nothing was paid.',
    fields,
  }),
) {}

/**
 * The server named an asset that is not what it says: a contract or mint labelled with a
 * well-known stablecoin's symbol (USDC, USDT, EURC) that is not that stablecoin on the network,
 * or a known stablecoin with other decimals. Thrown before anything is signed: nothing was paid.
 * An asset you do trust is paid when listed by address in `maxAmount` or a payer's `assets`.
 *
 * @example if (e instanceof AssetMismatchError) console.log(e.symbol, e.address, e.network)
 */
export class AssetMismatchError extends defineError(
  'AssetMismatchError',
  (args: { symbol: string; address: string; network: string; expected: string }) => ({
    message: `Refused to pay: ${args.address} on ${args.network} is labelled ${args.symbol}, but ${args.expected}.`,
    details: 'The server misdescribes its asset. Nothing was paid.',
    fields: {
      /** The symbol the server wrote. */
      symbol: args.symbol,
      /** The contract address or mint the server named. */
      address: args.address,
      network: args.network,
    },
  }),
) {}

/**
 * The mint's transfer fee cannot be priced in: a fee change takes effect at the next epoch
 * boundary and would leave the payee short, or no amount within the fee's terms delivers the
 * price. Thrown before anything is signed: nothing was paid.
 *
 * @example if (e instanceof TransferFeeError) console.log(e.mint)
 */
export class TransferFeeError extends defineError(
  'TransferFeeError',
  (mint: string, reason: string) => ({
    message: `Refused to pay with mint ${mint}: ${reason}`,
    details: 'Nothing was paid; try again later or pay with another asset.',
    fields: { mint },
  }),
) {}

/**
 * The account a payment to `payTo` would credit cannot take it, read from the chain before
 * signing: nothing was signed or sent. `reason`:
 * - `owner_moved`: `payTo`'s associated token account is owned by another key (an SPL Token
 *   account's owner can be changed with `SetAuthority`); paying into it would give the money to
 *   that key.
 * - `wrong_mint` / `not_a_token_account`: the account at that address is not a token account of
 *   the mint.
 * - `frozen`: the token account is frozen; the transfer would fail.
 * - `below_rent_exemption`: a native-SOL amount that leaves `payTo` below the rent-exempt minimum
 *   (the runtime refuses it: "insufficient funds for rent").
 *
 * @example if (e instanceof PayToAccountError && e.reason === 'owner_moved') console.log(e.account, 'is owned by', e.found)
 */
export class PayToAccountError extends defineError(
  'PayToAccountError',
  (args: {
    reason: 'owner_moved' | 'wrong_mint' | 'not_a_token_account' | 'frozen' | 'below_rent_exemption'
    /** The server's `payTo`. */
    payTo: string
    /** The account the payment would credit (a token account, or `payTo` itself for SOL). */
    account: string
    chain: string
    /** What the chain says: who owns the account, or the rent-exempt minimum. */
    found: string
  }) => ({
    message: `Refused to pay ${args.payTo} on ${args.chain}: ${describePayToProblem(args)}`,
    details: 'The server cannot be paid safely as it is configured. Nothing was paid.',
    fields: args,
  }),
) {}

function describePayToProblem(args: {
  reason: string
  payTo: string
  account: string
  found: string
}): string {
  switch (args.reason) {
    case 'owner_moved':
      return `its token account ${args.account} is owned by ${args.found}, not by payTo.`
    case 'wrong_mint':
      return `its token account ${args.account} holds mint ${args.found}.`
    case 'not_a_token_account':
      return `${args.account} is not a token account (owned by ${args.found}).`
    case 'frozen':
      return `its token account ${args.account} is frozen.`
    default:
      return `the amount would leave it below the rent-exempt minimum (${args.found}).`
  }
}
