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
 * ("METHOD /path"), with `maxAgeSeconds` (900 when 0) of grace. Returns `{ invalid }` with the
 * reason when the challenge does not verify; throws a usage error when the secret or the
 * resource is missing.
 *
 * @example const challenge = readChallenge({ challenge, resource: 'GET /report' }, process.env, 300)
 */
export function readChallenge(
  flags: { challenge?: string; resource?: string },
  env: Env,
  maxAgeSeconds: number,
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
      graceSeconds: maxAgeSeconds || 900,
    })
    return { id: verified.id, issuedAt: verified.issuedAt, reference: deriveReference(verified.id) }
  } catch (error) {
    if (!(error instanceof InvalidChallengeError)) throw error
    return { invalid: error.shortMessage }
  }
}
