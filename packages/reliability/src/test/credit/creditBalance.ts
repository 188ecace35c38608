import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Ledger } from '@tx402/core'

/** What is left on the credit of `token` (a PAYMENT-CREDIT token), read from the ledger. */
export async function creditRemaining(ledger: Ledger, token: string): Promise<bigint | undefined> {
  const id = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString())[0]
  return (await ledger.credit!.find(id))?.remaining
}

/**
 * Waits (up to 2 s) for the credit of `token` to come down to `remaining` base units, then
 * asserts it: a spend is settled after the response went out.
 */
export async function assertSettledTo(
  ledger: Ledger,
  token: string,
  remaining: bigint,
): Promise<void> {
  for (let i = 0; i < 100 && (await creditRemaining(ledger, token)) !== remaining; i++)
    await sleep(20)
  assert.equal(await creditRemaining(ledger, token), remaining)
}
