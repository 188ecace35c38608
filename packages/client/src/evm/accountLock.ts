import type { Address } from 'viem'

/** The longest a signed transaction holds its account's turn when it is never broadcast. */
const holdLimitMs = 15_000

// Per chain and account, in this process: the turn of the last transaction signed.
const turns = new Map<string, Promise<void>>()

/**
 * Runs `sign` in its account's turn: one transaction of an account is prepared (its nonce read
 * from the node's pending count), signed and sent before the next is prepared, so concurrent
 * payments from one account never take the same nonce ("nonce too low"). The turn is held until
 * `release` (after broadcast), or `holdLimitMs` for a signed payment never broadcast (a journal
 * that failed): its nonce is then read again, and at most one of the two can land.
 * Shared by every `evmPayer` of this process paying from that account on that chain.
 *
 * @example const { result, release } = await inAccountTurn(8453, address, () => sign()); await send(); release()
 */
export async function inAccountTurn<T>(
  chainKey: string,
  account: Address,
  sign: () => Promise<T>,
): Promise<{ result: T; release: () => void }> {
  const key = `${chainKey} ${account.toLowerCase()}`
  const previous = turns.get(key) ?? Promise.resolve()
  let release!: () => void
  const turn = new Promise<void>((resolve) => {
    release = resolve
  })
  const held = turn.then(() => undefined)
  turns.set(key, held)
  // Forgotten once nobody waits behind it, so the map holds only accounts in use.
  void held.then(() => {
    if (turns.get(key) === held) turns.delete(key)
  })
  await previous
  const limit = setTimeout(release, holdLimitMs)
  limit.unref?.()
  const done = () => {
    clearTimeout(limit)
    release()
  }
  try {
    return { result: await sign(), release: done }
  } catch (error) {
    done()
    throw error
  }
}
