import type { ChildMessage } from './children.js'

/** Reads the configuration the parent passed to `startChild`. */
export function childConfig<T>(): T {
  const raw = process.env.BENCH_CONFIG
  if (!raw) throw new Error('BENCH_CONFIG is not set: start this file through startChild()')
  return JSON.parse(raw) as T
}

/**
 * The child's half of `startChild`: announces `ready`, answers each request with `handle`'s
 * result (or a `failed` message), runs `stop` when asked or when the parent goes away.
 *
 * @example serveParent({ url }, { stats: async () => ({ verifications }) }, () => server.close())
 */
export function serveParent(
  ready: Record<string, unknown>,
  handlers: Record<string, (message: ChildMessage) => Promise<Record<string, unknown>>>,
  stop: () => Promise<void>,
): void {
  const send = (message: ChildMessage) => process.send?.(message)
  let stopping = false
  const shutdown = async () => {
    if (stopping) return
    stopping = true
    try {
      await stop()
    } finally {
      process.exit(0)
    }
  }
  process.on('message', async (message: ChildMessage) => {
    if (message.type === 'stop') return shutdown()
    const handler = handlers[message.type]
    try {
      if (!handler) throw new Error(`unknown request ${message.type}`)
      send({ ...(await handler(message)), type: message.type, id: message.id })
    } catch (error) {
      send({ type: 'failed', id: message.id, error: describe(error) })
    }
  })
  process.on('disconnect', () => void shutdown())
  send({ ...ready, type: 'ready' })
}

/** Reports a startup failure to the parent and exits. */
export function failStartup(error: unknown): never {
  process.send?.({ type: 'failed', error: describe(error) })
  process.exit(1)
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error)
}
