export type { PostgresInput } from './connectPostgres.js'
export { type EmbeddedLedgerOptions, embeddedLedger } from './embeddedLedger.js'
export { LedgerMigrationError } from './errors.js'
export { migrate, migrationStatus } from './migrate.js'
export { type LedgerLocation, openLedgerDatabase } from './openLedgerDatabase.js'
export { defaultReconcileEveryMs, reconcileEvery } from './periodicReconcile.js'
export { type PGliteInstance, pgliteDialect } from './pgliteDialect.js'
export { type CreditBalanceRow, creditBalance, creditBalancesOfPayer } from './readCredit.js'
export {
  type ClaimRow,
  claims,
  type ListPaymentsFilter,
  listPayments,
  type PaymentRow,
  type PaymentStatsGrouping,
  type PaymentStatsRow,
  paymentStats,
  paymentsOfTransaction,
} from './readPayments.js'
export { type RedisPostgresLedgerOptions, redisPostgresLedger } from './redisPostgresLedger.js'
export type {
  CreditBalancesTable,
  CreditSpendState,
  CreditSpendsTable,
  LedgerDatabase,
  PaymentStatus,
  PaymentsTable,
} from './schema.js'
export { creditBalancesTable, creditSpendsTable, paymentsTable } from './schema.js'
