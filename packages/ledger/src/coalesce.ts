/**
 * Runs one statement for many concurrent calls of one key: calls arriving in the same event-loop
 * turn, or while that key's statement is in flight, wait and go together as the next group, in
 * arrival order (at most `maxGroup`). `run` answers each item of the group, in order; when it
 * throws, every call of the group rejects with that error. One group per key is in flight at a
 * time, in this process; the database still decides between processes.
 *
 * @example
 * const reserve = coalesce((balanceId, items) => reserveGroup(db, balanceId, items))
 * const result = await reserve(balanceId, item)
 */
export function coalesce<I, O>(
  run: (key: string, items: I[]) => Promise<O[]>,
  maxGroup = 256,
  maxInFlight = 1,
): (key: string, item: I) => Promise<O> {
  interface Waiting {
    item: I
    resolve(value: O): void
    reject(error: unknown): void
  }
  interface Queue {
    waiting: Waiting[]
    inFlight: number
  }
  const queues = new Map<string, Queue>()

  const flush = (key: string, queue: Queue) => {
    if (queue.waiting.length === 0) {
      if (queue.inFlight === 0 && queues.get(key) === queue) queues.delete(key)
      return
    }
    const group = queue.waiting.splice(0, maxGroup)
    queue.inFlight++
    // A synchronous throw of `run` fails the group too.
    Promise.resolve()
      .then(() =>
        run(
          key,
          group.map((w) => w.item),
        ),
      )
      .then(
        (answers) => {
          group.forEach((w, i) => {
            w.resolve(answers[i]!)
          })
        },
        (error: unknown) => {
          for (const w of group) w.reject(error)
        },
      )
      .finally(() => {
        queue.inFlight--
        flush(key, queue)
      })
  }

  return (key, item) =>
    new Promise<O>((resolve, reject) => {
      let queue = queues.get(key)
      if (!queue) {
        queue = { waiting: [], inFlight: 0 }
        queues.set(key, queue)
      }
      queue.waiting.push({ item, resolve, reject })
      if (queue.inFlight < maxInFlight && queue.waiting.length === 1) {
        // Let the rest of this turn's calls join before the statement goes.
        const ready = queue
        setImmediate(() => {
          if (ready.inFlight < maxInFlight) flush(key, ready)
        })
      }
    })
}
