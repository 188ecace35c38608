import type { FailedTransactionMetadata } from 'litesvm'

// Names of litesvm's fieldless error enums, in their declared order (litesvm 1.x internal.d.ts).
const transactionErrors =
  'AccountInUse AccountLoadedTwice AccountNotFound ProgramAccountNotFound InsufficientFundsForFee InvalidAccountForFee AlreadyProcessed BlockhashNotFound CallChainTooDeep MissingSignatureForFee InvalidAccountIndex SignatureFailure InvalidProgramForExecution SanitizeFailure ClusterMaintenance AccountBorrowOutstanding WouldExceedMaxBlockCostLimit UnsupportedVersion InvalidWritableAccount WouldExceedMaxAccountCostLimit WouldExceedAccountDataBlockLimit TooManyAccountLocks AddressLookupTableNotFound InvalidAddressLookupTableOwner InvalidAddressLookupTableData InvalidAddressLookupTableIndex InvalidRentPayingAccount WouldExceedMaxVoteCostLimit WouldExceedAccountDataTotalLimit MaxLoadedAccountsDataSizeExceeded ResanitizationNeeded InvalidLoadedAccountsDataSizeLimit UnbalancedTransaction ProgramCacheHitMaxLimit CommitCancelled'.split(
    ' ',
  )
const instructionErrors =
  'GenericError InvalidArgument InvalidInstructionData InvalidAccountData AccountDataTooSmall InsufficientFunds IncorrectProgramId MissingRequiredSignature AccountAlreadyInitialized UninitializedAccount UnbalancedInstruction ModifiedProgramId ExternalAccountLamportSpend ExternalAccountDataModified ReadonlyLamportChange ReadonlyDataModified DuplicateAccountIndex ExecutableModified RentEpochModified NotEnoughAccountKeys AccountDataSizeChanged AccountNotExecutable AccountBorrowFailed AccountBorrowOutstanding DuplicateAccountOutOfSync InvalidError ExecutableDataModified ExecutableLamportChange ExecutableAccountNotRentExempt UnsupportedProgramId CallDepth MissingAccount ReentrancyNotAllowed MaxSeedLengthExceeded InvalidSeeds InvalidRealloc ComputationalBudgetExceeded PrivilegeEscalation ProgramEnvironmentSetupFailure ProgramFailedToComplete ProgramFailedToCompile Immutable IncorrectAuthority AccountNotRentExempt InvalidAccountOwner ArithmeticOverflow UnsupportedSysvar IllegalOwner MaxAccountsDataAllocationsExceeded MaxAccountsExceeded MaxInstructionTraceLengthExceeded BuiltinProgramsMustConsumeComputeUnits BorshIoError'.split(
    ' ',
  )

/** A transaction error in the JSON form a Solana node writes in `meta.err`. */
export type RpcTransactionError = string | Record<string, unknown>

/**
 * The `meta.err` JSON of a failed litesvm transaction, and whether the transaction would have
 * landed in a block (an instruction failed: the fee is charged and the failure is recorded) or
 * been refused before execution (bad signature, unknown blockhash, already processed).
 */
export function describeFailure(failed: FailedTransactionMetadata): {
  err: RpcTransactionError
  landed: boolean
} {
  const err = failed.err() as unknown
  if (typeof err === 'number')
    return { err: transactionErrors[err] ?? `Unknown(${err})`, landed: false }
  const fields = err as Record<string, unknown>
  if (typeof fields.err === 'function') {
    const inner = (fields.err as () => unknown).call(err) as unknown
    return { err: { InstructionError: [fields.index, instructionError(inner)] }, landed: true }
  }
  if ('accountIndex' in fields) {
    const name = err?.constructor.name.replace(/^TransactionError/, '') ?? 'Unknown'
    return { err: { [name]: { account_index: fields.accountIndex } }, landed: true }
  }
  return { err: { DuplicateInstruction: fields.index }, landed: true }
}

function instructionError(inner: unknown): unknown {
  if (typeof inner === 'number') return instructionErrors[inner] ?? `Unknown(${inner})`
  const fields = inner as Record<string, unknown>
  if ('code' in fields) return { Custom: fields.code }
  return { BorshIoError: fields.msg }
}
