import { VerifierUnavailableError } from '../errors.js'

/** Where an RPC call goes, for the fault it may become. */
export interface RpcSource {
  /** The chain's name in messages, e.g. `base` or `Solana`. */
  chain: string
  /**
   * The seconds a rate-limit answer asked to wait, read from the chain library's own error (see
   * `rateLimitSeconds`); undefined for any other failure.
   */
  rateLimitOf?: (cause: unknown) => number | undefined
}

const url = /\b[a-z][a-z0-9+.-]*:\/\/\S+/gi

/**
 * A fault as it may be logged or sent: the error's name and the first line of its short message
 * (viem's `shortMessage`, else `message`), at most 300 characters, with every URL replaced by
 * `<url>`. RPC URLs often carry an API key, and other fields of an error (a request body, a
 * connection string) are never read.
 *
 * @example logger.error({ err: describeFault(cause) }, 'tx402: dependency failed')
 */
export function describeFault(cause: unknown): { name: string; message: string } {
  const name = cause instanceof Error ? cause.name : 'unknown'
  const text =
    cause instanceof Error
      ? ((cause as { shortMessage?: unknown }).shortMessage ?? cause.message)
      : cause
  const firstLine = String(text).split('\n')[0]!
  return { name, message: firstLine.replace(url, '<url>').slice(0, 300) }
}

/**
 * The `VerifierUnavailableError` (answered 503, nothing consumed) for an RPC call that failed:
 * its message names the chain, the step and the kind of failure, its details come from
 * `describeFault` (never an RPC URL), and a rate limit carries the wait it asked for. A
 * `VerifierUnavailableError` is returned as it is.
 *
 * @example throw rpcFault({ chain: 'base' }, 'reading the receipt', error)
 */
export function rpcFault(
  source: RpcSource,
  step: string,
  cause: unknown,
): VerifierUnavailableError {
  if (cause instanceof VerifierUnavailableError) return cause
  const { name, message } = describeFault(cause)
  const retryAfterSeconds = source.rateLimitOf?.(cause)
  return new VerifierUnavailableError(`The ${source.chain} RPC failed while ${step} (${name}).`, {
    details: message,
    cause,
    ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
  })
}

/**
 * Runs one RPC step; any failure (network, timeout, HTTP or JSON-RPC error) is thrown as
 * `rpcFault(source, step, error)`. Every chain plugin reads the chain through it.
 *
 * @example const receipt = await withRpcFault(source, 'reading the receipt', () => client.getTransactionReceipt({ hash }))
 */
export async function withRpcFault<T>(
  source: RpcSource,
  step: string,
  run: () => Promise<T>,
): Promise<T> {
  try {
    return await run()
  } catch (error) {
    throw rpcFault(source, step, error)
  }
}
