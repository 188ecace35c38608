import { type ChildProcess, fork } from 'node:child_process'
import { once } from 'node:events'

/** A message a bench child sends or receives over IPC. */
export interface ChildMessage {
  type: string
  id?: number | undefined
  [field: string]: unknown
}

/** A TypeScript child process (run by tsx) that speaks request/reply over IPC. */
export interface Child {
  readonly process: ChildProcess
  /** What the child sent with its `ready` message (e.g. its URL). */
  readonly ready: ChildMessage
  /** Sends `message` and resolves with the child's reply carrying the same id. */
  request<T extends ChildMessage>(message: ChildMessage, timeoutMs?: number): Promise<T>
  /** Asks the child to stop, then kills it if it has not exited within 5 s. */
  stop(): Promise<void>
}

const running = new Set<ChildProcess>()

/**
 * Starts `script` (a .ts file) in its own Node process through tsx, with `config` as JSON in
 * `BENCH_CONFIG`, and waits for its `{ type: 'ready' }` message. Every child is tracked, so
 * `stopAllChildren()` (and this process's exit) ends it; a child also exits by itself when its
 * IPC channel closes, so none outlives a crashed run.
 *
 * @example const server = await startChild(new URL('../servers/koaServer.ts', import.meta.url), config)
 */
export async function startChild(
  script: URL,
  config: unknown,
  options: { name: string; startTimeoutMs?: number } = { name: 'child' },
): Promise<Child> {
  const child = fork(script, [], {
    // BENCH_CPU_PROF=<dir>: every child writes a V8 CPU profile there when it stops.
    execArgv: [
      '--import',
      'tsx',
      ...(process.env.BENCH_CPU_PROF
        ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_CPU_PROF]
        : []),
    ],
    env: { ...process.env, BENCH_CONFIG: JSON.stringify(config) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  running.add(child)
  child.once('exit', () => running.delete(child))
  let nextId = 1
  const waiting = new Map<number, (message: ChildMessage) => void>()
  child.on('message', (message: ChildMessage) => {
    if (message.id !== undefined) waiting.get(message.id)?.(message)
  })

  const ready = await new Promise<ChildMessage>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${options.name} did not start`)),
      options.startTimeoutMs ?? 60_000,
    )
    const onMessage = (message: ChildMessage) => {
      if (message.type === 'ready') done(() => resolve(message))
      if (message.type === 'failed')
        done(() => reject(new Error(`${options.name}: ${message.error}`)))
    }
    const onExit = (code: number | null) =>
      done(() => reject(new Error(`${options.name} exited (${code}) before it was ready`)))
    const done = (settle: () => void) => {
      clearTimeout(timer)
      child.off('message', onMessage)
      child.off('exit', onExit)
      settle()
    }
    child.on('message', onMessage)
    child.once('exit', onExit)
  }).catch(async (error) => {
    await kill(child)
    throw error
  })

  return {
    process: child,
    ready,
    request<T extends ChildMessage>(message: ChildMessage, timeoutMs = 600_000): Promise<T> {
      const id = nextId++
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => {
          cleanup()
          reject(new Error(`${options.name} did not answer ${message.type}`))
        }, timeoutMs)
        const onExit = (code: number | null) => {
          cleanup()
          reject(new Error(`${options.name} exited (${code}) during ${message.type}`))
        }
        const cleanup = () => {
          clearTimeout(timer)
          waiting.delete(id)
          child.off('exit', onExit)
        }
        waiting.set(id, (reply) => {
          cleanup()
          if (reply.type === 'failed') reject(new Error(`${options.name}: ${reply.error}`))
          else resolve(reply as T)
        })
        child.once('exit', onExit)
        child.send({ ...message, id })
      })
    },
    stop: () => kill(child),
  }
}

/** Stops every child still running. */
export async function stopAllChildren(): Promise<void> {
  await Promise.all([...running].map(kill))
}

// A process that ends in any way takes its children with it.
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL')
})

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = once(child, 'exit')
  if (child.connected) child.send({ type: 'stop' })
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000)
  await exited
  clearTimeout(timer)
}
