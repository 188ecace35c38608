// `@tx402/client`: the chain-agnostic payer loop (wrapFetch, callPaidEndpoint, journals, errors).
// Payers live in `/evm` and `/solana` only, so no bundler, with or without `sideEffects`
// tree-shaking, pulls viem or @solana/web3.js through this entry.
export type { AssetIdentity } from './assets/assetIdentity.js'
export { identifyAsset } from './assets/assetIdentity.js'
export type { DeclaredAsset, KnownAsset } from './assets/knownAssets.js'
export { knownStablecoins } from './assets/knownAssets.js'
export type { PaidFetchOptions } from './callPaidEndpoint.js'
export { callPaidEndpoint } from './callPaidEndpoint.js'
export { creditBalances } from './credit/creditBalances.js'
export { memoryCredits } from './credit/creditJournal.js'
export type { CreditOptions } from './credit/creditOptions.js'
export type { CreditBalance, CreditRecord } from './credit/creditRecord.js'
export { creditBalanceOf } from './credit/creditRecord.js'
export {
  BroadcastRejectedError,
  CreditUnavailableError,
  NoPayableOptionError,
  PaymentFailedError,
  PaymentRejectedError,
  PaymentTimeoutError,
  SpendingCapError,
} from './errors.js'
export { ContractWalletNativeError } from './evm/contractWalletNativeError.js'
export type { JournalStorage, LocalStorageJournalOptions } from './journal/localStorageJournal.js'
export { localStorageJournal } from './journal/localStorageJournal.js'
export { memoryJournal } from './journal/memoryJournal.js'
export type { CreditJournal, JournalEntry, PaymentJournal } from './journal/types.js'
export type { Payer, SignedPayment, TransferStatus } from './payer.js'
export type { PaymentOptions, ResolvedPaymentOptions } from './paymentOptions.js'
export { resolvePaymentOptions } from './paymentOptions.js'
export { isPaymentRequiredBody, readErrorBody } from './readErrorBody.js'
export {
  AssetMismatchError,
  CrossOriginRedirectError,
  PayToAccountError,
  TransferFeeError,
} from './refusals.js'
export type { Exchange, ExchangeResponse } from './settlePayment.js'
export { settlePayment } from './settlePayment.js'
export type { MaxAmount } from './spendingCap.js'
export { defaultMaxAmount } from './spendingCap.js'
export { wrapFetch } from './wrapFetch.js'
