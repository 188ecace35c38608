import pg from 'pg'
import type { Benchmark } from '../benchContext.js'
import { countsBetween, describePerOp } from '../infra/countingRedis.js'
import { rawReceipt } from '../infra/rawReceipt.js'
import { percentile, ratio } from '../report/stats.js'
import { paidRoute } from './paidRoute.js'
import { rawInsert } from './rawInsert.js'

const warmUp = 20
const samples = 300

/**
 * `verify`: latency of a first, successful paid request (a fresh transaction on anvil, Redis +
 * PostgreSQL ledger), one at a time, against its floor measured on the same hashes: one raw
 * `eth_getTransactionReceipt` round trip plus one `INSERT … ON CONFLICT` round trip. Also the
 * RPC round trips per verification (1 is the least: the receipt; anvil attaches block times to
 * logs, so no block read is needed). The chain clock's background read of the latest block
 * (`eth_getBlockByNumber` alone, at most once per refresh interval, off the paid path) is shown
 * in the note, not counted against a verification.
 */
export const verify: Benchmark = {
  name: 'verify',
  title: 'latency of a first paid request vs one receipt RPC + one INSERT; RPC round trips',
  async run(context) {
    const { server, chain, load } = await paidRoute(context)
    const databaseUrl = await context.databaseUrl()
    context.log(`  paying ${warmUp + samples} fresh transactions on anvil`)
    const hashes = await chain.pay(warmUp + samples)
    const headerSets = await Promise.all(hashes.map((hash) => chain.paymentHeaders(hash)))
    const run = (sets: typeof headerSets) =>
      load.run({
        urls: [`${server.url}/paid`],
        connections: 1,
        amount: sets.length,
        headerSets: sets,
        latencies: true,
        tallyErrors: true,
      })
    await run(headerSets.slice(0, warmUp))

    chain.rpc.reset()
    await server.timings()
    const statsBefore = await server.stats()
    context.log(`  ${samples} paid requests, one at a time`)
    const measured = await run(headerSets.slice(warmUp))
    const rpc = chain.rpc.counts()
    const statsAfter = await server.stats()
    const inServer = await server.timings()
    const redisCommands = countsBetween(statsBefore.redisCommands, statsAfter.redisCommands)
    const served = measured.statusCounts['200'] ?? 0
    const postgresQueries = statsAfter.postgresQueries - statsBefore.postgresQueries

    context.log('  floor: receipt RPC + INSERT … ON CONFLICT, same hashes, one at a time')
    const { floor, receipt } = await measureFloor(chain.rpcUrl, databaseUrl, hashes.slice(warmUp))
    context.log('  on-chain floor: receipt RPC from the server process, same hashes, one at a time')
    const serverReceipt = await server.receiptTimes(hashes.slice(warmUp))
    const latencies = measured.latencies ?? []
    const p50 = percentile(latencies, 50)
    const p99 = percentile(latencies, 99)
    const floorP50 = percentile(floor, 50)
    const floorP99 = percentile(floor, 99)
    const chainP50 = percentile(inServer.verification, 50)
    const receiptP50 = percentile(serverReceipt, 50)
    const shapes = Object.entries(rpc.shapes)
      .map(([shape, count]) => `${shape} ×${count}`)
      .join(', ')
    // A request of the latest block alone is the chain clock's background sample.
    const clockReads = rpc.shapes.eth_getBlockByNumber ?? 0
    const perVerification = (rpc.httpRequests - clockReads) / samples
    const servedNote =
      served === samples
        ? `${samples} served`
        : `only ${served} of ${samples} served: ${JSON.stringify(measured.errorCodes)}`
    return [
      {
        bench: 'verify',
        metric: 'first paid request p50',
        unit: 'ms',
        value: p50,
        floor: { label: 'receipt RPC + INSERT', value: floorP50 },
        ratio: ratio(p50, floorP50),
        note: `${servedNote}; in the server: engine ${percentile(inServer.decision, 50).toFixed(1)} ms, of which on-chain verification ${percentile(inServer.verification, 50).toFixed(1)} ms (p50)`,
        details: {
          samples,
          served,
          statusCounts: measured.statusCounts,
          latencies,
          floor,
          inServer,
        },
      },
      {
        bench: 'verify',
        metric: 'on-chain verification p50',
        unit: 'ms',
        value: chainP50,
        floor: { label: 'receipt RPC from the server', value: receiptP50 },
        ratio: ratio(chainP50, receiptP50),
        note: `the plugin call vs a raw receipt round trip, both timed in the server process; from the bench process: ${percentile(receipt, 50).toFixed(2)} ms`,
        details: { serverReceipt, receipt },
      },
      {
        bench: 'verify',
        metric: 'first paid request p99',
        unit: 'ms',
        value: p99,
        floor: { label: 'receipt RPC + INSERT', value: floorP99 },
        ratio: ratio(p99, floorP99),
      },
      {
        bench: 'verify',
        metric: 'RPC round trips per verification',
        unit: 'count',
        value: perVerification,
        expected: 1,
        note: `${shapes}${clockReads ? ` (${clockReads} chain-clock read${clockReads === 1 ? '' : 's'} in the background, not counted)` : ''}`,
        details: { rpc },
      },
      {
        bench: 'verify',
        metric: 'SQL statements per verification',
        unit: 'count',
        value: postgresQueries / samples,
        note: `Redis commands: ${describePerOp(redisCommands, samples)}`,
        details: { postgresQueries, redisCommands },
      },
    ]
  },
}

/**
 * The floor of one paid request, one hash at a time: a raw receipt round trip then an
 * `INSERT … ON CONFLICT` (`floor`), and the receipt round trip alone (`receipt`), in ms.
 */
async function measureFloor(rpcUrl: string, databaseUrl: string, hashes: readonly string[]) {
  const client = new pg.Client({ connectionString: databaseUrl })
  await client.connect()
  try {
    const times: number[] = []
    const receiptTimes: number[] = []
    for (const [i, hash] of hashes.entries()) {
      const started = performance.now()
      await rawReceipt(rpcUrl, hash, i)
      receiptTimes.push(performance.now() - started)
      await client.query(...rawInsert())
      times.push(performance.now() - started)
    }
    return { floor: times, receipt: receiptTimes }
  } finally {
    await client.end()
  }
}
