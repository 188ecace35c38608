import { type Env, read } from '../../chains.js'
import { secretBytes } from '../secret.js'
import type { DoctorCheck } from './doctorCheck.js'

/**
 * `tx402 doctor`'s `secret` check: `TX402_SECRET` is set and at least `secretBytes` bytes long.
 *
 * @example const check = checkSecret(process.env)
 */
export function checkSecret(env: Env): DoctorCheck {
  const secret = read(env, 'TX402_SECRET')
  if (secret === undefined) {
    return {
      name: 'secret',
      ok: false,
      detail:
        'TX402_SECRET is not set (the API would sign challenges with a random secret per start)',
      fix: 'set TX402_SECRET to the output of `tx402 secret`, the same on every API process',
      failure: 'configuration',
    }
  }
  const bytes = new TextEncoder().encode(secret).length
  return bytes >= secretBytes
    ? { name: 'secret', ok: true, detail: `${bytes} bytes` }
    : {
        name: 'secret',
        ok: false,
        detail: `${bytes} bytes, fewer than ${secretBytes}`,
        fix: 'set TX402_SECRET to the output of `tx402 secret`',
        failure: 'configuration',
      }
}
