import type { Benchmark } from '../benchContext.js'
import { countsBetween, describePerOp } from '../infra/countingRedis.js'
import type { KoaServerStats } from '../servers/koaServer.js'
import { compareThroughput, throughputFigure } from './compareThroughput.js'
import { paidRoute } from './paidRoute.js'

/**
 * `replay`: requests per second presenting a transaction that already paid, against the bare Koa
 * route; and what those replays cost downstream: RPC calls and PostgreSQL queries (both must be
 * 0: Redis answers a replay), Redis commands per replay.
 */
export const replay: Benchmark = {
  name: 'replay',
  title: 'req/s presenting a consumed transaction vs bare Koa; RPC calls and SQL (must be 0)',
  async run(context) {
    const { server, chain, load } = await paidRoute(context)
    const [hash] = await chain.pay(1)
    const headers = await chain.paymentHeaders(hash!)
    const first = await fetch(`${server.url}/paid`, { headers })
    if (first.status !== 200) throw new Error(`the paying request answered ${first.status}`)
    context.log(`  paid once with ${hash!.slice(0, 10)}…; replaying it`)

    let before: KoaServerStats | undefined
    const throughput = await compareThroughput(
      load,
      [
        { label: 'bare', url: `${server.url}/bare` },
        { label: 'replay', url: `${server.url}/paid`, headers },
      ],
      {
        log: context.log,
        beforeRounds: async () => {
          chain.rpc.reset()
          before = await server.stats()
        },
      },
    )
    const rpc = chain.rpc.counts()
    const after = await server.stats()
    const redisCommands = countsBetween(before!.redisCommands, after.redisCommands)
    const replays = Object.values(throughput.answers.replay!.statusCounts).reduce(
      (a, b) => a + b,
      0,
    )
    const postgresQueries = after.postgresQueries - before!.postgresQueries
    const answers = throughput.answers.replay!.errorCodes
    const allRefused = (answers.tx_already_used ?? 0) === replays
    return [
      throughputFigure(throughput, {
        bench: 'replay',
        metric: 'consumed-tx req/s',
        subject: 'replay',
        floor: 'bare',
        floorLabel: 'bare Koa JSON',
        note: allRefused
          ? `${replays.toLocaleString('en-US')} replays, all 402 tx_already_used`
          : `answers: ${JSON.stringify(answers)}`,
        details: { replays, redisCommands },
      }),
      {
        bench: 'replay',
        metric: 'RPC calls during replays',
        unit: 'count',
        value: rpc.calls,
        expected: 0,
        details: { rpc },
      },
      {
        bench: 'replay',
        metric: 'PostgreSQL queries during replays',
        unit: 'count',
        value: postgresQueries,
        expected: 0,
        note: `Redis commands per replay: ${describePerOp(redisCommands, replays)}`,
      },
    ]
  },
}
