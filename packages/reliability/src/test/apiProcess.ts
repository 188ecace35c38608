import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { createInterface } from 'node:readline'

/** What an API process is given (as JSON in `TX402_RELIABILITY_API`). */
export interface ApiServerConfig {
  rpcUrl: string
  token: `0x${string}`
  payTo: `0x${string}`
  /** A `redis://` URL, or the cluster's `redis+cluster://` seeds. */
  redisUrl: string
  databaseUrl: string
  /** `'transaction'` when `databaseUrl` leads to PgBouncer in transaction pooling mode. */
  dbPooling?: 'session' | 'transaction'
  keyPrefix: string
  secret: string
  claimTtlMs: number
}

/** One JSON line an API process wrote (pino's fields and ours). */
export interface ApiLine {
  msg?: string
  event?: 'listening' | 'paid' | 'held' | 'handler' | 'committing'
  port?: number
  tx?: string
  /** On decision lines: the engine's `PaymentDecision`. */
  outcome?: string
  status?: number
  transaction?: string
  [field: string]: unknown
}

/** A running API process of the fault suite. */
export interface ApiProcess {
  /** `a`, `b`, `a2`…: how tallies name it. */
  name: string
  url: string
  pid: number
  /** Every JSON line it wrote so far. */
  lines: ApiLine[]
  /** Every stdout line that was not JSON (nothing is expected there). */
  otherOutput: string[]
  /** Set when `kill()` was called: requests to it may fail without an answer from then on. */
  killed: boolean
  /** The first line (already written or to come) that matches, within `timeoutMs`. */
  waitFor(match: (line: ApiLine) => boolean, timeoutMs: number): Promise<ApiLine>
  /** Lets every waiting `/api/hold` request answer. */
  release(): void
  /** SIGKILL: no cleanup, no commit, no release. */
  kill(): Promise<void>
  /** SIGTERM, then SIGKILL if it has not exited within 5 s. Safe to call twice. */
  stop(): Promise<void>
}

const workspaceRoot = new URL('../../../..', import.meta.url).pathname

/**
 * Starts `apiServer.ts` (or another server script of this folder, given its config) in its own
 * Node process and resolves once it listens.
 *
 * @example const api = await spawnApi('a', config); after(() => api.stop())
 */
export async function spawnApi(
  name: string,
  config: ApiServerConfig | object,
  script = './apiServer.ts',
): Promise<ApiProcess> {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', new URL(script, import.meta.url).pathname],
    {
      cwd: workspaceRoot,
      env: { ...process.env, TX402_RELIABILITY_API: JSON.stringify(config) },
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  )
  const exited = once(child, 'exit').catch(() => undefined)
  const lines: ApiLine[] = []
  const otherOutput: string[] = []
  const watchers = new Set<(line: ApiLine) => void>()
  createInterface({ input: child.stdout! }).on('line', (text) => {
    let line: ApiLine
    try {
      line = JSON.parse(text) as ApiLine
    } catch {
      otherOutput.push(text)
      return
    }
    lines.push(line)
    for (const watcher of watchers) watcher(line)
  })
  child.stdin!.on('error', () => {})

  const waitFor = (match: (line: ApiLine) => boolean, timeoutMs: number) =>
    new Promise<ApiLine>((resolve, reject) => {
      const found = lines.find(match)
      if (found) return resolve(found)
      const done = (error?: Error, line?: ApiLine) => {
        clearTimeout(timer)
        watchers.delete(watcher)
        child.off('exit', onExit)
        error ? reject(error) : resolve(line!)
      }
      const watcher = (line: ApiLine) => {
        if (match(line)) done(undefined, line)
      }
      const onExit = () => done(new Error(`API process ${name} exited while waited on`))
      const timer = setTimeout(
        () => done(new Error(`API process ${name}: no matching line within ${timeoutMs} ms`)),
        timeoutMs,
      )
      watchers.add(watcher)
      child.once('exit', onExit)
    })

  const hasExited = () => child.exitCode !== null || child.signalCode !== null
  let stopping = false
  child.once('exit', (code, signal) => {
    // Shown at once: the tally would only say "no answer from a live process".
    if (!stopping)
      console.error(`      API process ${name} exited unexpectedly (${code ?? signal})`)
  })
  const stop = async () => {
    stopping = true
    if (hasExited()) return
    child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000)
    await exited
    clearTimeout(timer)
  }
  const listening = await waitFor((line) => line.event === 'listening', 60_000).catch(
    async (error) => {
      child.kill('SIGKILL')
      await exited
      throw error
    },
  )
  const api: ApiProcess = {
    name,
    url: `http://127.0.0.1:${listening.port}`,
    pid: child.pid!,
    lines,
    otherOutput,
    killed: false,
    waitFor,
    release: () => child.stdin!.write('release\n'),
    async kill() {
      api.killed = true
      stopping = true
      if (hasExited()) return
      child.kill('SIGKILL')
      await exited
    },
    stop,
  }
  return api
}
