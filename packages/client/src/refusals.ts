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
