import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { createServer } from 'node:net'

/**
 * A free loopback port, from the OS (free when asked; take it soon).
 *
 * @example const port = await freePort()
 */
export async function freePort(): Promise<number> {
  const server = createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const address = server.address()
  server.close()
  await once(server, 'close')
  if (!address || typeof address === 'string') throw new Error('no port')
  return address.port
}

/** A private redis-server started by `startRedisServer`. */
export interface RedisServer {
  /** `redis://127.0.0.1:<port>`. */
  url: string
  port: number
  process: ChildProcess
  /** Kills it (SIGKILL: no shutdown, nothing saved). Safe to call twice. */
  stop(): Promise<void>
}

/**
 * A private, throw-away redis-server (from `PATH`) on a free loopback port, or on `port` to
 * restart one where it was: for tests that flush, stop or restart Redis without touching the
 * machine's own. Nothing is persisted.
 *
 * @example
 * const redis = await startRedisServer()
 * await redis.stop()
 * const again = await startRedisServer(redis.port) // "restarted", empty
 * after(() => again.stop())
 */
export async function startRedisServer(port?: number): Promise<RedisServer> {
  const chosen = port ?? (await freePort())
  const child = spawn(
    'redis-server',
    ['--port', String(chosen), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  )
  await new Promise<void>((resolve, reject) => {
    let output = ''
    child.stdout!.on('data', (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-4000)
      if (output.includes('Ready to accept connections')) resolve()
    })
    child.once('error', reject)
    child.once('exit', (code) => reject(new Error(`redis-server exited (${code}): ${output}`)))
  })
  child.stdout!.resume()
  killOnExit(child)
  return {
    url: `redis://127.0.0.1:${chosen}`,
    port: chosen,
    process: child,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.kill('SIGKILL')
      await once(child, 'exit')
    },
  }
}

const running = new Set<ChildProcess>()
let exitHookInstalled = false

// A test run that ends without its `after` hooks (a crash, mocha's --exit) leaves no server behind.
function killOnExit(child: ChildProcess): void {
  if (!exitHookInstalled) {
    exitHookInstalled = true
    process.once('exit', () => {
      for (const server of running) server.kill('SIGKILL')
    })
  }
  running.add(child)
  child.once('exit', () => running.delete(child))
}
