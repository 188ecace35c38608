import { BaseError, ConfigurationError } from '@tx402/core'

/**
 * What `tx402` exits with, for scripts to branch on: `ok` 0, `negative` 1 (a verdict against:
 * the payment does not pay, a check failed), `usage` 2 (a bad flag or configuration), `unreachable`
 * 3 (an RPC, the ledger or Redis did not answer, or serves another network).
 */
export const exitCodes = { ok: 0, negative: 1, usage: 2, unreachable: 3 } as const

/** One of `exitCodes`. */
export type ExitCode = (typeof exitCodes)[keyof typeof exitCodes]

/** A failure the CLI reports as one line (never a stack trace) and exits with `exitCode`. */
export class CliError extends Error {
  override name = 'CliError'
  constructor(
    message: string,
    readonly exitCode: ExitCode,
  ) {
    super(message)
  }
}

/** A bad flag or configuration value; the message names it. Exit 2. */
export function usageError(message: string): CliError {
  return new CliError(message, exitCodes.usage)
}

/** The exit code and one-line message of anything a command threw. */
export function describeFailure(error: unknown): { exitCode: ExitCode; message: string } {
  if (error instanceof CliError) return { exitCode: error.exitCode, message: error.message }
  if (error instanceof ConfigurationError) {
    return { exitCode: exitCodes.usage, message: withDetails(error) }
  }
  // Everything else is a dependency that failed: an RPC, the ledger's database, Redis.
  if (error instanceof BaseError)
    return { exitCode: exitCodes.unreachable, message: withDetails(error) }
  return {
    exitCode: exitCodes.unreachable,
    message: error instanceof Error ? error.message.split('\n')[0]! : String(error),
  }
}

function withDetails(error: BaseError): string {
  return error.details ? `${error.shortMessage} ${error.details}` : error.shortMessage
}
