/**
 * `@tx402/core/protocol`: what a payer needs of the protocol (wire types, header names, codes,
 * money in base units, the proof message, the error tree), without the engine. `@tx402/client`
 * imports from here, so a browser bundle of it carries none of the server's code or its
 * dependencies (the engine's rate limiter is CommonJS, which bundlers cannot shake out).
 * The same names are exported from `@tx402/core`. The wire format: docs/protocol.md.
 *
 * @example import { headerNames, parseAmount } from '@tx402/core/protocol'
 */
export {
  BaseError,
  ConfigurationError,
  InvalidAmountError,
  InvalidChallengeError,
  InvalidTxIdError,
  LedgerUnavailableError,
  VerifierUnavailableError,
} from '../errors.js'
export { formatAmount, parseAmount, parseBaseUnits } from '../money.js'
export { proofMessage } from '../proofMessage.js'
// Another library's errors read by name and shape, for payers and plugins alike.
export { errorNamed, findError, isViemError } from '../rpc/foreignError.js'
export { decodeBase64Json, encodeBase64Json } from './base64Json.js'
export type { ErrorCode, RejectionCode } from './codes.js'
export { errorStatus, isRejectionCode, rejectionCodes } from './codes.js'
export {
  headerNames,
  maxPaymentHeaderBytes,
  paymentRequestHeaders,
  protocolVersion,
} from './headers.js'
export type {
  AcceptOption,
  CreditOffer,
  ErrorBody,
  Network,
  PaymentCredit,
  PaymentRequiredBody,
  PaymentResponse,
  WireAsset,
} from './types.js'
