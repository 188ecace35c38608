import { decodeBase64Json, type PaymentCredit } from '@tx402/core'
import type { Benchmark } from '../benchContext.js'
import { countsBetween, describePerOp } from '../infra/countingRedis.js'
import type { KoaServerStats } from '../servers/koaServer.js'
import { compareThroughput, throughputFigure } from './compareThroughput.js'
import { paidRoute } from './paidRoute.js'

// One 0.01 payment buys 9,999 requests at the `/credit` route's price of one base unit; the
// top-ups give the balance room for every round at a few thousand requests per second.
const packs = 8

/**
 * `credit`: requests per second spending prepaid credit (docs/protocol.md section 7.3) on the
 * production-like server (Redis + PostgreSQL ledger), all on one balance, against the bare Koa
 * route; RPC calls while spending (must be 0), SQL statements and Redis commands per spend.
 */
export const credit: Benchmark = {
  name: 'credit',
  title: 'credited req/s vs bare Koa; RPC calls per spend (must be 0), SQL and Redis per spend',
  async run(context) {
    const { server, chain, load } = await paidRoute(context)
    const hashes = await chain.pay(packs)
    let token: string | undefined
    for (const hash of hashes) {
      const headers = await chain.paymentHeaders(hash)
      const bought = await fetch(`${server.url}/credit`, {
        headers: { ...headers, ...(token ? { 'x-payment-credit': token } : {}) },
      })
      if (bought.status !== 200) throw new Error(`buying credit answered ${bought.status}`)
      token = decodeBase64Json<PaymentCredit>(bought.headers.get('payment-credit')!).token
      await bought.arrayBuffer()
    }
    // The last top-up commits just after its response: let it land before spending.
    await new Promise((resolve) => setTimeout(resolve, 200))
    context.log(`  bought ${packs} packs on one balance; spending it`)

    let before: KoaServerStats | undefined
    const throughput = await compareThroughput(
      load,
      [
        { label: 'bare', url: `${server.url}/bare` },
        { label: 'credit', url: `${server.url}/credit`, headers: { 'x-payment-credit': token! } },
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
    const spends = (after.decisions.credited ?? 0) - (before!.decisions.credited ?? 0)
    const redisCommands = countsBetween(before!.redisCommands, after.redisCommands)
    const postgresQueries = after.postgresQueries - before!.postgresQueries
    const statuses = throughput.answers.credit!.statusCounts
    const refused = throughput.answers.credit!.errorCodes
    return [
      throughputFigure(throughput, {
        bench: 'credit',
        metric: 'credited req/s',
        subject: 'credit',
        floor: 'bare',
        floorLabel: 'bare Koa JSON',
        note: `${spends.toLocaleString('en-US')} spends on one balance${
          Object.keys(refused).length ? `; refused: ${JSON.stringify(refused)}` : ''
        }; statuses ${JSON.stringify(statuses)}`,
        details: { spends, redisCommands, postgresQueries },
      }),
      {
        bench: 'credit',
        metric: 'RPC calls during spends',
        unit: 'count',
        value: rpc.calls,
        expected: 0,
        details: { rpc },
      },
      {
        bench: 'credit',
        metric: 'SQL statements per spend',
        unit: 'count',
        value: spends ? postgresQueries / spends : 0,
        note: `Redis commands per spend: ${describePerOp(redisCommands, spends)}`,
      },
    ]
  },
}
