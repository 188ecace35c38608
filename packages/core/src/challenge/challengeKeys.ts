import { ConfigurationError } from '../errors.js'

/** One secret, or several: the first signs new challenges, every one verifies. */
export type ChallengeSecret = string | Uint8Array | readonly (string | Uint8Array)[]

const encoder = new TextEncoder()

/**
 * Turns the configured secret into an HMAC key; a secret shorter than 32 bytes fails at setup.
 *
 * @example const key = challengeKey(process.env.TX402_SECRET!)
 */
export function challengeKey(secret: string | Uint8Array): Uint8Array {
  const key = typeof secret === 'string' ? encoder.encode(secret) : secret
  if (!(key instanceof Uint8Array) || key.length < 32) {
    throw new ConfigurationError('The tx402 secret must be at least 32 bytes.', {
      details: 'Generate one with `openssl rand -hex 32` and keep it out of source control.',
    })
  }
  return key
}

/**
 * The HMAC keys of a secret or a list of secrets, signing key first. A rotation lists the new
 * secret first and keeps the old one until its challenges have expired, so a payer who paid
 * against a challenge signed with the old secret is still served.
 *
 * @example const keys = challengeKeys([process.env.TX402_SECRET!, process.env.TX402_OLD_SECRET!])
 */
export function challengeKeys(secret: ChallengeSecret): readonly Uint8Array[] {
  const secrets = Array.isArray(secret) ? secret : [secret as string | Uint8Array]
  if (secrets.length === 0) throw new ConfigurationError('At least one tx402 secret is required.')
  return secrets.map(challengeKey)
}
