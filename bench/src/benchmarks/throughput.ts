import type { Benchmark, KoaServer } from '../benchContext.js'
import { startChild } from '../infra/children.js'
import { payMany } from '../infra/payMany.js'
import type { FloorRunResult, FloorRunSpec, FloorWorkerConfig } from '../load/floorWorker.js'
import type { Figure } from '../report/figure.js'
import { median } from '../report/stats.js'
import { medianRound, type Throughput } from './compareThroughput.js'

const processCounts = [1, 2, 4] as const
// The same number of requests in flight for every process count and for the floor.
const concurrency = 16
const rounds = 3
// Fresh payments per timed run (one per request), and per warm-up run.
const perRun = 300
const warmUp = 40

/**
 * `throughput`: sustained paid requests per second end to end (a fresh transaction per request:
 * on-chain verification, Redis + PostgreSQL ledger, served) with 1, 2 and 4 API processes on one
 * ledger, `concurrency` requests in flight spread over them, against the floor at the same
 * concurrency: one raw receipt call plus one `INSERT … ON CONFLICT` per payment. Every payment is
 * made on anvil before the timed part; rounds alternate floor, 1, 2, 4 processes, and each row
 * shows the round whose ratio is the median. Every request must be served (an exact count).
 */
export const throughput: Benchmark = {
  name: 'throughput',
  title: `sustained paid req/s with 1, 2, 4 API processes on one ledger vs receipt RPC + INSERT/s (${concurrency} in flight); scaling`,
  async run(context) {
    const chain = await context.chain()
    const load = await context.load()
    const floorConfig: FloorWorkerConfig = {
      rpcUrl: chain.rpcUrl,
      databaseUrl: await context.databaseUrl(),
    }
    const total = processCounts.length * (warmUp + rounds * perRun)
    context.log(`  paying ${total.toLocaleString('en-US')} fresh transactions on anvil (untimed)`)
    const paidAt = performance.now()
    const hashes = await payMany(chain, total)
    const headerSets = await Promise.all(hashes.map((hash) => chain.paymentHeaders(hash)))
    const setupSec = (performance.now() - paidAt) / 1000
    context.log(`  paid and signed in ${setupSec.toFixed(1)} s`)
    let taken = 0
    const take = (n: number) => {
      taken += n
      return { hashes: hashes.slice(taken - n, taken), sets: headerSets.slice(taken - n, taken) }
    }

    const max = Math.max(...processCounts)
    context.log(`  starting ${max} API processes on one Redis + PostgreSQL ledger`)
    // One after another: four tsx processes compiling at once outlast the start timeout on 2 cores.
    const servers: KoaServer[] = []
    for (let i = 0; i < max; i++)
      servers.push(await context.startKoaServer({ ledger: 'redis-postgres' }))
    const floor = await startChild(
      new URL('../load/floorWorker.ts', import.meta.url),
      floorConfig,
      {
        name: 'floor worker',
      },
    )
    try {
      const answers: Record<string, number> = {}
      let requests = 0
      let served = 0
      const paid = async (processes: number, n: number) => {
        const { sets } = take(n)
        const result = await load.run({
          urls: servers.slice(0, processes).map((s) => `${s.url}/paid`),
          connections: concurrency,
          amount: n,
          headerSets: sets,
          tallyErrors: true,
        })
        requests += n
        served += result.statusCounts['200'] ?? 0
        for (const [code, count] of Object.entries(result.errorCodes)) {
          answers[code] = (answers[code] ?? 0) + count
        }
        return result.rps
      }
      const floorRun = async (floorHashes: string[]) => {
        const spec: FloorRunSpec = { hashes: floorHashes, concurrency }
        const reply = await floor.request<{ type: string; result: FloorRunResult }>({
          type: 'run',
          spec,
        })
        return reply.result.ops / reply.result.sec
      }

      for (const n of processCounts) await paid(n, warmUp)
      await floorRun(hashes.slice(0, warmUp))
      const measured: Throughput = { rounds: { floor: [] }, answers: {} }
      for (let round = 1; round <= rounds; round++) {
        const line: string[] = []
        // The floor reads receipts of payments already served (the same reads, still mined).
        const floorRps = await floorRun(hashes.slice(0, perRun))
        measured.rounds.floor!.push(floorRps)
        line.push(`floor ${Math.round(floorRps)}/s`)
        for (const n of processCounts) {
          const rps = await paid(n, perRun)
          const list = measured.rounds[`${n}`] ?? []
          list.push(rps)
          measured.rounds[`${n}`] = list
          line.push(`${n} proc ${Math.round(rps)}/s`)
        }
        context.log(`  round ${round}/${rounds}: ${line.join(', ')}`)
      }
      return [
        ...processCounts.map((n) => perProcessCount(measured, n)),
        scalingFigure(measured),
        {
          bench: 'throughput',
          metric: 'paid requests not served',
          unit: 'count',
          value: requests - served,
          expected: 0,
          note: `${served.toLocaleString('en-US')} of ${requests.toLocaleString('en-US')} fresh payments served${Object.keys(answers).length ? `; others: ${JSON.stringify(answers)}` : ''}; ${total.toLocaleString('en-US')} payments made before timing (${setupSec.toFixed(1)} s)`,
          details: { requests, served, answers, setupSec },
        },
      ]
    } finally {
      await floor.stop()
      await Promise.all(servers.map((s) => s.stop()))
    }
  },
}

function perProcessCount(measured: Throughput, processes: number): Figure {
  const pair = medianRound(measured, `${processes}`, 'floor')
  return {
    bench: 'throughput',
    metric: `paid req/s, ${processes} API process${processes > 1 ? 'es' : ''}`,
    unit: 'req/s',
    value: pair.value,
    floor: { label: `receipt RPC + INSERT, ${concurrency} in flight`, value: pair.floor },
    ratio: pair.ratio,
    goal: { text: 'issue 17 sets no ratio; see scaling' },
    note: `${perRun} fresh payments per round, ${concurrency} connections over ${processes} process${processes > 1 ? 'es' : ''}`,
    details: { rounds: measured.rounds, perRun, concurrency },
  }
}

/** Paid req/s with 4 processes over 1, round by round (both in the same round), the median. */
function scalingFigure(measured: Throughput): Figure {
  const one = measured.rounds['1'] ?? []
  const scaleOf = (n: number) => (measured.rounds[`${n}`] ?? []).map((rps, i) => rps / one[i]!)
  const scaling = median(scaleOf(4))
  return {
    bench: 'throughput',
    metric: 'scaling, 1 → 4 API processes',
    unit: '×',
    value: scaling,
    goal: { text: 'scaling >= 1.0x', met: scaling >= 1 },
    note: `paid req/s relative to 1 process (median of rounds): 2 processes ${median(scaleOf(2)).toFixed(2)}×, 4 processes ${scaling.toFixed(2)}×; floor is the same at every count`,
    details: { two: scaleOf(2), four: scaleOf(4) },
  }
}
