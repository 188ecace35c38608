import { spawn } from 'node:child_process'

/**
 * Makes `pid` die with this process, however this process ends (even by SIGKILL): a shell
 * watcher waits for its stdin, a pipe from this process, to close, then kills `pid`. For the
 * servers the bench starts that do not watch their parent themselves (redis-server).
 *
 * Returns what stops the watcher: call it before stopping `pid` yourself, so the watcher never
 * kills a later process that got the same pid.
 *
 * @example const forget = killWithThisProcess(redis.process.pid!); …; forget(); await redis.stop()
 */
export function killWithThisProcess(pid: number): () => void {
  const watcher = spawn('/bin/sh', ['-c', `cat >/dev/null; kill ${pid} 2>/dev/null`], {
    stdio: ['pipe', 'ignore', 'ignore'],
    detached: true,
  })
  // Neither keeps this process alive; the pipe closes when it ends.
  watcher.unref()
  ;(watcher.stdin as unknown as { unref?: () => void }).unref?.()
  return () => {
    watcher.kill('SIGKILL')
  }
}
