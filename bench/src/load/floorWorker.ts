// The floor of a paid request under load, in its own process: one raw eth_getTransactionReceipt
// round trip plus one INSERT … ON CONFLICT per payment, `concurrency` at a time.

import pg from 'pg'
import { rawInsert } from '../benchmarks/rawInsert.js'
import { childConfig, serveParent } from '../infra/childSide.js'
import { rawReceipt } from '../infra/rawReceipt.js'

/** What the parent passes to this process. */
export interface FloorWorkerConfig {
  /** The counting proxy in front of anvil, as the API processes are given. */
  rpcUrl: string
  databaseUrl: string
}

/** One run: each hash read once, `concurrency` loops at a time. */
export interface FloorRunSpec {
  hashes: string[]
  concurrency: number
}

/** Payments done and the seconds they took. */
export interface FloorRunResult {
  ops: number
  sec: number
}

const config = childConfig<FloorWorkerConfig>()
// The pool the ledger makes from a URL: 10 connections.
const pool = new pg.Pool({ connectionString: config.databaseUrl, max: 10 })
pool.on('error', () => {})

serveParent(
  {},
  { run: async (message) => ({ result: await run(message.spec as FloorRunSpec) }) },
  () => pool.end(),
)

async function run(spec: FloorRunSpec): Promise<FloorRunResult> {
  let next = 0
  const started = performance.now()
  await Promise.all(
    Array.from({ length: spec.concurrency }, async () => {
      while (next < spec.hashes.length) {
        const hash = spec.hashes[next++]!
        await rawReceipt(config.rpcUrl, hash, next)
        await pool.query(...rawInsert())
      }
    }),
  )
  return { ops: spec.hashes.length, sec: (performance.now() - started) / 1000 }
}
