import {
  type ChallengeContext,
  challengeKey,
  deriveReference,
  InvalidChallengeError,
  verifyChallenge,
} from '@tx402/core'
import { type Env, read } from '../../chains.js'
import { usageError } from '../../exitCodes.js'

/**
 * Reads `--challenge` as the server would: verified with `TX402_SECRET` for `--resource`
 * ("METHOD /path"); its expiry is judged against the transaction's block time (a transaction
 * that landed after it is judged by the current terms), not here. Returns `{ invalid }` with the
 * reason when the challenge does not verify; throws a usage error when the secret or the
 * resource is missing.
 *
 * @example const challenge = readChallenge({ challenge, resource: 'GET /report' }, process.env)
 */
export function readChallenge(
  flags: { challenge?: string; resource?: string },
  env: Env,
): ChallengeContext | { invalid: string } {
  const secret = read(env, 'TX402_SECRET')
  if (!secret)
    throw usageError('--challenge needs TX402_SECRET, the secret the server signs challenges with.')
  const resource = /^([A-Za-z]+) (\/\S*)$/.exec(flags.resource ?? '')
  if (!resource) {
    throw usageError(
      '--challenge needs --resource "METHOD /path", the route the challenge was issued for.',
    )
  }
  try {
    const verified = verifyChallenge(challengeKey(secret), flags.challenge!, {
      method: resource[1]!,
      path: resource[2]!,
      graceSeconds: Number.POSITIVE_INFINITY,
    })
    return {
      id: verified.id,
      issuedAt: verified.issuedAt,
      expiresAt: verified.expiresAt,
      reference: deriveReference(verified.id),
    }
  } catch (error) {
    if (!(error instanceof InvalidChallengeError)) throw error
    return { invalid: error.shortMessage }
  }
}
