import type { BenchContext, Benchmark } from '../benchContext.js'
import type { LoadResult } from '../load/loadSpec.js'
import type { Figure } from '../report/figure.js'
import type { KoaServerStats } from '../servers/koaServer.js'

const processes = 4
const requests = 1_000
// Each trial is one fresh transaction: a race that loses rarely shows over several.
const trials = 3
// `BENCH_SCALE_OUT=off` where the Redis Cluster and PgBouncer do not run (a sandbox).
const scaleOutOff = process.env.BENCH_SCALE_OUT === 'off'

/**
 * `contention`: four API processes sharing one Redis + PostgreSQL ledger; 1,000 concurrent
 * requests (one connection each, spread over the four) present the same fresh transaction,
 * `trials` times. Exactly one request per transaction may be served, and each process asks the
 * chain once per transaction (its burst shares one lookup). Run on one Redis and a direct
 * PostgreSQL, then on the Redis Cluster with PostgreSQL through PgBouncer (transaction pooling).
 */
export const contention: Benchmark = {
  name: 'contention',
  title: `4 API processes, ${requests.toLocaleString('en-US')} concurrent requests per fresh tx: served (1 per tx), verifications (one Redis; Cluster+PgBouncer)`,
  async run(context) {
    return [
      ...(await contend(context, 'redis-postgres', '')),
      ...(scaleOutOff ? [] : await contend(context, 'scale-out', ' (Cluster+PgBouncer)')),
    ]
  },
}

async function contend(
  context: BenchContext,
  ledger: 'redis-postgres' | 'scale-out',
  suffix: string,
): Promise<Figure[]> {
  const chain = await context.chain()
  const load = await context.load()
  context.log(`  starting ${processes} API processes on one ledger${suffix}`)
  const servers = await Promise.all(
    Array.from({ length: processes }, () => context.startKoaServer({ ledger })),
  )
  try {
    const runs: {
      served: number
      redelivered: number
      verifications: number[]
      rpcRoundTrips: number
      result: LoadResult
    }[] = []
    for (let trial = 1; trial <= trials; trial++) {
      const [hash] = await chain.pay(1)
      const before = await Promise.all(servers.map((s) => s.stats()))
      chain.rpc.reset()
      const result = await load.run({
        urls: servers.map((s) => `${s.url}/paid`),
        connections: requests,
        amount: requests,
        headers: await chain.paymentHeaders(hash!),
        tallyErrors: true,
      })
      const rpcRoundTrips = chain.rpc.counts().httpRequests
      const after = await Promise.all(servers.map((s) => s.stats()))
      const verifications = after.map(
        (stats, i) => countVerifications(stats) - countVerifications(before[i]!),
      )
      // Charged, from the servers' decisions: a 200 may also be a re-delivery (docs/protocol.md
      // 6.2), since every request carries the payer's own challenge and proof.
      const decided = (outcome: string) =>
        after.reduce(
          (sum, stats, i) => sum + decisionsOf(stats, outcome) - decisionsOf(before[i]!, outcome),
          0,
        )
      const served = decided('served')
      const redelivered = decided('redelivered')
      runs.push({ served, redelivered, verifications, rpcRoundTrips, result })
      context.log(
        `  trial ${trial}/${trials}: ${served} charged, ${redelivered} re-delivered, verifications per process ${verifications.join('/')}, answers ${JSON.stringify(result.errorCodes)}`,
      )
    }
    const served = runs.reduce((sum, r) => sum + r.served, 0)
    const verifications = runs.reduce(
      (sum, r) => sum + r.verifications.reduce((a, b) => a + b, 0),
      0,
    )
    const answers: Record<string, number> = {}
    for (const run of runs) {
      for (const [code, n] of Object.entries(run.result.errorCodes)) {
        answers[code] = (answers[code] ?? 0) + n
      }
    }
    const socketErrors = runs.reduce((sum, r) => sum + r.result.socketErrors, 0)
    return [
      {
        bench: 'contention',
        metric: `charged, ${trials} txs × ${requests.toLocaleString('en-US')} requests${suffix}`,
        unit: 'count',
        value: served,
        expected: trials,
        note: `re-delivered to their payer ${runs.reduce((sum, r) => sum + r.redelivered, 0)}; others: ${Object.entries(
          answers,
        )
          .map(([code, n]) => `${code} ${n}`)
          .join(', ')}${socketErrors ? `; ${socketErrors} socket errors` : ''}`,
        details: { runs },
      },
      {
        bench: 'contention',
        metric: `on-chain verifications, ${trials} txs${suffix}`,
        unit: 'count',
        value: verifications,
        // The chain comes first (the payer is part of the payment's key, and the proof is checked
        // against the payer the chain names), so the floor is one lookup per process per burst
        // (sharedLookups: in flight, or confirmed a moment ago). One per tx across processes
        // would need a process to take another's lookup result from Redis instead of the chain's
        // record, or to wait on a Redis lease and then ask the chain anyway: an extra Redis round
        // trip on every payment to save at most processes - 1 lookups of a burst.
        goal: {
          text: `one per process per tx (at most ${processes * trials})`,
          met: runs.every((run) => run.verifications.every((n) => n <= 1)),
        },
        note: `per tx ${runs.map((r) => r.verifications.reduce((a, b) => a + b, 0)).join('/')}; RPC round trips per tx ${runs.map((r) => r.rpcRoundTrips).join('/')}`,
      },
    ]
  } finally {
    await Promise.all(servers.map((s) => s.stop()))
  }
}

/** Decisions of one outcome a server has made. */
function decisionsOf(stats: KoaServerStats, outcome: string): number {
  return (stats.decisions as Record<string, number>)[outcome] ?? 0
}

/** On-chain verifications a server has run, whatever their result. */
export function countVerifications(stats: KoaServerStats): number {
  return Object.values(stats.verifications).reduce((a, b) => a + b, 0)
}
