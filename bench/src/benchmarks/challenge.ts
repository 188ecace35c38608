import type { Benchmark } from '../benchContext.js'
import { compareThroughput, throughputFigure } from './compareThroughput.js'

/**
 * `challenge`: 402 answers per second on a paid route, against a bare Koa route answering a JSON
 * body of the same size, in the same process.
 */
export const challenge: Benchmark = {
  name: 'challenge',
  title: '402 challenges/s on a paid route vs a bare Koa JSON route of the same body size',
  async run(context) {
    const server = await context.startKoaServer({ ledger: 'memory' })
    const load = await context.load()
    context.log(`  bare route answers ${server.challengeBytes} body bytes, as the 402 does`)
    const throughput = await compareThroughput(
      load,
      [
        { label: 'bare', url: `${server.url}/bare` },
        { label: '402', url: `${server.url}/paid` },
      ],
      { log: context.log },
    )
    await server.stop()
    const statuses = throughput.answers['402']!.statusCounts
    const non402 = Object.entries(statuses).filter(([status]) => status !== '402')
    return [
      throughputFigure(throughput, {
        bench: 'challenge',
        metric: '402 challenge req/s',
        subject: '402',
        floor: 'bare',
        floorLabel: 'bare Koa JSON',
        note: non402.length
          ? `non-402 answers: ${JSON.stringify(Object.fromEntries(non402))}`
          : `a fresh HMAC challenge, ${server.challengeBytes} B body + the same in base64 in a header`,
        details: { challengeBytes: server.challengeBytes },
      }),
    ]
  },
}
