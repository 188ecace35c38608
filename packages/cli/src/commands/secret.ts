import { randomBytes } from 'node:crypto'
import { type ExitCode, exitCodes } from '../exitCodes.js'
import { type OutputOptions, print } from '../output.js'

/** Bytes of a fresh secret: what `challengeKey` requires at least. */
export const secretBytes = 32

/** `tx402 secret`: a fresh random secret for `TX402_SECRET` (32 bytes, hex), on stdout alone. */
export function secretCommand(flags: OutputOptions): ExitCode {
  const secret = randomBytes(secretBytes).toString('hex')
  print(flags, { secret, bytes: secret.length }, () => secret)
  return exitCodes.ok
}
