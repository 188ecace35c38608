import type { Benchmark } from '../benchContext.js'
import { benchKeyPrefix } from '../benchContext.js'
import { startChild } from '../infra/children.js'
import type { LedgerRunResult, LedgerRunSpec, LedgerWorkerConfig } from '../load/ledgerWorker.js'
import type { Figure } from '../report/figure.js'
import { medianRound } from './compareThroughput.js'

const rounds = 5
const seconds = 2
const concurrency = 16
const scaleOutOff = process.env.BENCH_SCALE_OUT === 'off'

/**
 * `ledger`: claim + mark + commit per second (the ledger's work for one served payment) on Redis
 * + PostgreSQL, against raw `INSERT … ON CONFLICT` per second on the same server with the same
 * pool size and concurrency; the same on the Redis Cluster with PostgreSQL through PgBouncer
 * (transaction pooling), against raw inserts through PgBouncer; and the embedded ledger against
 * raw inserts on PGlite.
 */
export const ledger: Benchmark = {
  name: 'ledger',
  title:
    'claim+mark+commit/s vs raw INSERT … ON CONFLICT/s (Redis+PostgreSQL, Cluster+PgBouncer, embedded)',
  async run(context) {
    const redis = await context.redis()
    const workerConfig: LedgerWorkerConfig = {
      databaseUrl: await context.databaseUrl(),
      redisUrl: redis.url,
      keyPrefix: benchKeyPrefix,
      // `BENCH_SCALE_OUT=off` where the Redis Cluster and PgBouncer do not run (a sandbox).
      ...(scaleOutOff ? {} : { scaleOut: await context.scaleOut() }),
    }
    const worker = await startChild(
      new URL('../load/ledgerWorker.ts', import.meta.url),
      workerConfig,
      {
        name: 'ledger worker',
      },
    )
    const runStore = async (store: LedgerRunSpec['store']) => {
      const spec: LedgerRunSpec = { store, rounds, seconds, concurrency }
      const reply = await worker.request<{ type: string; result: LedgerRunResult }>({
        type: 'run',
        spec,
      })
      return reply.result
    }
    try {
      context.log(
        `  Redis + PostgreSQL: ${rounds} rounds of ${seconds} s each side, ${concurrency} at once`,
      )
      const postgres = await runStore('postgres')
      if (!scaleOutOff) {
        context.log(
          `  Redis Cluster + PgBouncer (transaction pooling): ${rounds} rounds of ${seconds} s each side`,
        )
      }
      const scaleOut = scaleOutOff ? undefined : await runStore('scale-out')
      context.log(`  embedded (PGlite on disk): ${rounds} rounds of ${seconds} s each side`)
      const embedded = await runStore('pglite')
      return [
        figure('Redis+PostgreSQL claim+mark+commit/s', 'raw INSERT on PostgreSQL', postgres, {
          note: `per op: ${postgres.statementsPerOp?.toFixed(2)} SQL statements, Redis ${postgres.redisPerOp}`,
        }),
        ...(scaleOut
          ? [
              figure(
                'Cluster+PgBouncer claim+mark+commit/s',
                'raw INSERT through PgBouncer',
                scaleOut,
                {
                  note: `3-master Redis Cluster, PgBouncer transaction pooling; per op: ${scaleOut.statementsPerOp?.toFixed(2)} SQL statements, Redis ${scaleOut.redisPerOp}`,
                },
              ),
            ]
          : []),
        figure('embedded claim+mark+commit/s', 'raw INSERT on PGlite', embedded, {
          note: 'PGlite (WASM PostgreSQL, one connection) on disk',
        }),
      ]
    } finally {
      await worker.stop()
    }
  },
}

function figure(
  metric: string,
  floorLabel: string,
  result: LedgerRunResult,
  extra: { note: string },
): Figure {
  const pair = medianRound(
    {
      rounds: {
        floor: result.rounds.map((r) => r.floorOps / r.floorSec),
        ledger: result.rounds.map((r) => r.ledgerOps / r.ledgerSec),
      },
      answers: {},
    },
    'ledger',
    'floor',
  )
  return {
    bench: 'ledger',
    metric,
    unit: 'ops/s',
    value: pair.value,
    floor: { label: floorLabel, value: pair.floor },
    ratio: pair.ratio,
    note: extra.note,
    details: { ...result, concurrency },
  }
}
