import type { Benchmark } from '../benchContext.js'
import { countsBetween, describePerOp } from '../infra/countingRedis.js'
import type { KoaServerStats } from '../servers/koaServer.js'
import { compareThroughput, throughputFigure } from './compareThroughput.js'
import { paidRoute } from './paidRoute.js'

/**
 * `replay`: requests per second presenting a transaction that already paid, the way anyone who
 * watches the chain can (its hash alone, no challenge, no proof, so never a re-delivery, docs/protocol.md
 * 6.2), on the route that takes a hash alone (`/open`, binding 'none'), against the bare Koa
 * route; every one must be answered 402 `tx_already_used`; and what those replays cost
 * downstream: RPC calls and PostgreSQL queries (both must be 0), Redis commands per replay.
 */
export const replay: Benchmark = {
  name: 'replay',
  title: 'req/s presenting a consumed transaction vs bare Koa; RPC calls and SQL (must be 0)',
  async run(context) {
    const { server, chain, load } = await paidRoute(context)
    const [hash] = await chain.pay(1)
    const headers = { 'x-payment-tx': hash!, 'x-payment-chain': 'base' }
    const url = `${server.url}/open`
    const first = await fetch(url, { headers })
    if (first.status !== 200) throw new Error(`the paying request answered ${first.status}`)
    await first.arrayBuffer()
    // The commit lands right after the last byte: until then a replay is 409 payment_in_progress.
    for (let tries = 0; ; tries++) {
      const again = await fetch(url, { headers })
      const body = (await again.json()) as { error?: string }
      if (again.status === 402 && body.error === 'tx_already_used') break
      if (tries === 50) throw new Error(`a replay answered ${again.status} ${body.error}`)
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    context.log(`  paid once with ${hash!.slice(0, 10)}… (hash alone); replaying it`)

    let before: KoaServerStats | undefined
    const throughput = await compareThroughput(
      load,
      [
        { label: 'bare', url: `${server.url}/bare` },
        { label: 'replay', url, headers },
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
    const answers = throughput.answers.replay!
    const refused = answers.errorCodes.tx_already_used ?? 0
    return [
      throughputFigure(throughput, {
        bench: 'replay',
        metric: 'consumed-tx req/s',
        subject: 'replay',
        floor: 'bare',
        floorLabel: 'bare Koa JSON',
        note: `${replays.toLocaleString('en-US')} replays (hash alone, on /open)`,
        details: { replays, redisCommands },
      }),
      {
        bench: 'replay',
        metric: 'replays not answered 402 tx_already_used',
        unit: 'count',
        // tx_already_used is only ever a 402.
        value: replays - refused,
        expected: 0,
        note: `statuses ${JSON.stringify(answers.statusCounts)}, codes ${JSON.stringify(answers.errorCodes)}`,
      },
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
