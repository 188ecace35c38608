import { randomUUID } from 'node:crypto'
import { link, mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'

/**
 * Takes `<dataDir>.lock` for this process: PGlite does not lock its directory, and two processes
 * writing one database would corrupt it. A lock left by a dead process is taken over.
 *
 * @returns the function that frees the lock.
 */
export async function lockDataDir(dataDir: string): Promise<() => Promise<void>> {
  const path = `${dataDir.replace(/\/+$/, '')}.lock`
  await mkdir(dirname(path), { recursive: true })
  // The lock appears with its pid already in it (a hard link of a file written first): a
  // process starting beside it never reads an empty lock, takes it for a dead one's and removes
  // it, as 4 cluster workers started at once would.
  const mine = `${path}.${process.pid}.${randomUUID()}`
  await writeFile(mine, String(process.pid))
  try {
    for (let attempt = 0; attempt < 250; attempt++) {
      try {
        await link(mine, path)
        return () => rm(path, { force: true })
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      }
      const pid = await holder(path)
      if (pid > 0 && isAlive(pid)) throw inUse(dataDir, pid)
      // A dead process's lock. Several processes restarted together all see it dead: only the
      // one holding the takeover file removes it, after checking again that it is still dead,
      // so none removes the lock another has just taken.
      await takeOver(path, async () => {
        const now = await holder(path)
        if (now > 0 && isAlive(now)) throw inUse(dataDir, now)
        await rm(path, { force: true })
      })
    }
  } finally {
    await rm(mine, { force: true })
  }
  throw new Error(`${dataDir}: could not take ${path}`)
}

/** Runs `step` holding `<lock>.takeover`; waits while a live process holds it. */
async function takeOver(path: string, step: () => Promise<void>): Promise<void> {
  const takeover = `${path}.takeover`
  // Like the lock, the takeover file appears with its pid in it: read empty, it would pass for
  // a dead one's and be removed under its holder.
  const mine = `${takeover}.${process.pid}.${randomUUID()}`
  await writeFile(mine, String(process.pid))
  try {
    await link(mine, takeover)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    const pid = await holder(takeover)
    // A takeover whose process died midway is removed; a live one is waited for.
    if (pid > 0 && isAlive(pid)) await new Promise((resolve) => setTimeout(resolve, 20))
    else await rm(takeover, { force: true })
    return
  } finally {
    await rm(mine, { force: true })
  }
  try {
    await step()
  } finally {
    await rm(takeover, { force: true })
  }
}

async function holder(path: string): Promise<number> {
  return Number((await readFile(path, 'utf8').catch(() => '')).trim())
}

function inUse(dataDir: string, pid: number): Error {
  // Two embeddedLedger({ dataDir }) in one process (one per route, say): one instance suffices.
  if (pid === process.pid) {
    return new Error(
      `${dataDir} is in use by process ${pid} (this one): another embeddedLedger of this process has it open. Create one embeddedLedger and pass it to every paymentRequired route; for several processes use redisPostgresLedger.`,
    )
  }
  return new Error(
    `${dataDir} is in use by process ${pid}: the embedded ledger serves one process. For several processes (cluster workers, replicas) use redisPostgresLedger on one PostgreSQL (separate dataDirs would let one payment be used once per process).`,
  )
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: it exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}
