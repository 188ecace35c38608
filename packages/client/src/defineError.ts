import { BaseError } from '@tx402/core/protocol'

/** What an error made by `defineError` says, and the properties it keeps, from its arguments. */
export interface ErrorParts<Fields extends object> {
  /** The short message (`BaseError.shortMessage`). */
  message: string
  /** What to do about it; appended to `message` as `Details: …`. */
  details?: string | undefined
  cause?: unknown
  /** Set on the error as read-only properties. */
  fields: Fields
}

/**
 * The base class of a client error with properties: `describe` turns the constructor's arguments
 * into the message and the properties it keeps, so every such error is written one way. Extend
 * it to name the class: `instanceof` and `name` work as for any `BaseError`.
 *
 * @example
 * export class TransferFeeError extends defineError('TransferFeeError', (mint: string) => ({
 *   message: `Refused to pay with mint ${mint}.`,
 *   fields: { mint },
 * })) {}
 */
export function defineError<
  const Name extends string,
  Args extends unknown[],
  Fields extends object,
>(name: Name, describe: (...args: Args) => ErrorParts<Fields>) {
  class DefinedError extends BaseError {
    override name: Name = name
    constructor(...args: Args) {
      const parts = describe(...args)
      super(parts.message, {
        ...(parts.details === undefined ? {} : { details: parts.details }),
        cause: parts.cause,
      })
      Object.assign(this, parts.fields)
    }
  }
  return DefinedError as unknown as new (
    ...args: Args
  ) => DefinedError & Readonly<Fields>
}
