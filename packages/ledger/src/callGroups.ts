/** How calls are grouped: groups at once, and members per group. */
export interface CallGroupOptions {
  /** Groups running at once; calls that arrive while all run wait and go as the next group. */
  maxInFlight: number
  /** Members of one group at most. */
  maxSize: number
}

/**
 * A group's answer for one member that failed on its own (its call run again alone, after the
 * group's statement failed because of it): that member gets `error`, the others their answers.
 */
export class MemberFailed {
  constructor(readonly error: unknown) {}
}

/**
 * Group commit: calls made while `maxInFlight` groups already run wait, and go together as one
 * call of `runGroup` when one of those ends. Under no load every call runs alone at once (no
 * added latency); under load the number of groups per second stays near what the in-flight
 * groups allow, while each group carries every call that arrived meanwhile.
 *
 * `runGroup` gets the members' inputs in arrival order and returns one output per input, in the
 * same order (a `MemberFailed` output rejects that member alone). If it throws (or returns too few outputs), every member of that group gets the
 * error: a group is all-or-nothing, as one statement is.
 *
 * @example const claim = callGroups((leases) => claimAll(leases), { maxInFlight: 2, maxSize: 64 })
 */
export function callGroups<I, O>(
  runGroup: (inputs: readonly I[]) => Promise<readonly (O | MemberFailed)[]>,
  options: CallGroupOptions,
): (input: I) => Promise<O> {
  interface Member {
    input: I
    resolve(output: O): void
    reject(error: unknown): void
  }
  let waiting: Member[] = []
  let inFlight = 0

  const start = () => {
    while (inFlight < options.maxInFlight && waiting.length > 0) {
      const group = waiting.slice(0, options.maxSize)
      waiting = waiting.slice(group.length)
      inFlight++
      void settle(group).finally(() => {
        inFlight--
        start()
      })
    }
  }

  const settle = async (group: Member[]) => {
    try {
      const outputs = await runGroup(group.map((member) => member.input))
      if (outputs.length !== group.length) {
        throw new Error(`a group of ${group.length} got ${outputs.length} answers`)
      }
      group.forEach((member, i) => {
        const output = outputs[i]
        if (output instanceof MemberFailed) member.reject(output.error)
        else member.resolve(output as O)
      })
    } catch (error) {
      for (const member of group) member.reject(error)
    }
  }

  return (input) =>
    new Promise<O>((resolve, reject) => {
      waiting.push({ input, resolve, reject })
      start()
    })
}

/**
 * `callGroups` per key: calls of one key group only with each other (one balance's spends), and
 * each key has its own groups in flight. A key's groups are dropped once none of its calls is
 * waiting or running, so keys seen once cost nothing afterwards.
 *
 * @example const reserve = keyedCallGroups((balanceId, items) => reserveGroup(db, balanceId, items), { maxInFlight: 1, maxSize: 256 })
 */
export function keyedCallGroups<I, O>(
  runGroup: (key: string, inputs: readonly I[]) => Promise<readonly O[]>,
  options: CallGroupOptions,
): (key: string, input: I) => Promise<O> {
  const byKey = new Map<string, { call: (input: I) => Promise<O>; pending: number }>()
  return async (key, input) => {
    let groups = byKey.get(key)
    if (!groups) {
      groups = { call: callGroups((inputs) => runGroup(key, inputs), options), pending: 0 }
      byKey.set(key, groups)
    }
    groups.pending++
    try {
      return await groups.call(input)
    } finally {
      if (--groups.pending === 0) byKey.delete(key)
    }
  }
}
