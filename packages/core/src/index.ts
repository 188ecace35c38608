export { checkCount, checkRpcUrl, refuseEngineOptions } from './chainOptions.js'
export type {
  Challenge,
  ChallengeResource,
  ChallengeSecret,
  ChallengeTerm,
} from './challenge/index.js'
export {
  challengeKey,
  deriveReference,
  issueChallenge,
  verifyChallenge,
} from './challenge/index.js'
export type {
  CreditGrant,
  CreditGrantRecord,
  CreditLedger,
  CreditLedgerBalance,
  CreditReservation,
  CreditSpend,
  ReserveResult,
} from './credit.js'
export { checkCreditGrant } from './creditGrantCheck.js'
export { checkCreditReservation } from './creditReservationCheck.js'
export { mergeCacheControl, overridesCacheControl } from './engine/cacheHeaders.js'
export type { RouteAnswer } from './engine/chargedAnswer.js'
export { isChargedAnswer } from './engine/chargedAnswer.js'
export { paymentOptionNames } from './engine/checkOptions.js'
export type {
  Logger,
  PaymentEngine,
  PaymentEngineOptions,
  PaymentRequest,
} from './engine/createPaymentEngine.js'
export { createPaymentEngine } from './engine/createPaymentEngine.js'
export type { AcceptedPayment, ChainReportTerms } from './engine/judgeChainReport.js'
export { defaultClockSkewSeconds, judgeChainReport } from './engine/judgeChainReport.js'
export type { JudgeTerms, PaymentJudgment } from './engine/judgePayment.js'
export { judgePayment } from './engine/judgePayment.js'
export type { ClientLimit, ClientLimiter, VerificationLimits } from './engine/limits.js'
export { clientLimiter, clientLimitOptions } from './engine/limits.js'
export type { EngineHooks, EngineObserver, PaymentDecision } from './engine/observer.js'
export type {
  Outcome,
  PaidOutcome,
  PaymentReceipt,
  ReplayOutcome,
  RespondOutcome,
} from './engine/outcome.js'
export type { RequestHeaders } from './engine/readPaymentHeaders.js'
export type { Refusal } from './engine/refusal.js'
export { isRefusal, refuse } from './engine/refusal.js'
export type {
  ChainHealth,
  DependencyHealth,
  PaymentHealth,
  StartupChecks,
} from './engine/startupCheck.js'
export { startupChecks } from './engine/startupCheck.js'
export type { PaymentScheme, SchemeAttempt, SchemePayment } from './engine/types.js'
export type {
  DeliveredPayment,
  Lease,
  Ledger,
  MarkResult,
  PaymentDetails,
  PaymentRecord,
  ReconcileResult,
  StoredResponse,
} from './ledger.js'
export { memoryLedger } from './memoryLedger.js'
export { refuseUnknownOptions } from './optionKeys.js'
export type { PaymentKey } from './paymentKey.js'
export { paymentKey, paymentKeyId, samePayment } from './paymentKey.js'
export type {
  ChainPlugin,
  ChallengeContext,
  PayerTransfer,
  PaymentBinding,
  PaymentFacts,
  PaymentRequirement,
  VerifyContext,
  VerifyResult,
} from './plugin.js'
export type { ResolvedOffer, RoutePrice } from './price.js'
export { resolveOffers } from './price.js'
// What users and plugin authors use; the rest of the engine is internal (docs/architecture.md).
// The protocol a payer needs (wire types, headers, codes, money, errors), also `@tx402/core/protocol`.
export * from './protocol/index.js'
export { defaultRateLimitSeconds, rateLimitCodes, rateLimitSeconds } from './rpc/rateLimit.js'
export type { RpcSource } from './rpc/rpcFault.js'
export { describeFault, rpcFault, withRpcFault } from './rpc/rpcFault.js'
