import type { Benchmark } from '../benchContext.js'
import { startChild } from '../infra/children.js'
import type { ExpressServerConfig } from '../servers/expressServer.js'
import { compareThroughput, throughputFigure } from './compareThroughput.js'

/**
 * `peer`: the cost of issuing a 402 through `@tx402/koa` over bare Koa, beside the cost of
 * issuing one through `x402-express` (v1 `paymentMiddleware`, Base Sepolia USDC, a facilitator
 * URL on a closed loopback port: its 402 path never calls it) over bare Express, in the same run.
 * Each bare route answers as many body bytes as its own framework's 402.
 */
export const peer: Benchmark = {
  name: 'peer',
  title: '@tx402/koa 402 over bare Koa, beside x402-express 402 over bare Express',
  async run(context) {
    const koa = await context.startKoaServer({ ledger: 'memory' })
    const expressConfig: ExpressServerConfig = {
      payTo: '0x0000000000000000000000000000000000000002',
      facilitatorUrl: 'http://127.0.0.1:9',
    }
    const express = await startChild(
      new URL('../servers/expressServer.ts', import.meta.url),
      expressConfig,
      { name: 'Express peer server' },
    )
    try {
      const expressUrl = String(express.ready.url)
      const expressBytes = Number(express.ready.challengeBytes)
      context.log(
        `  402 bodies: tx402 ${koa.challengeBytes} B (+ base64 header), x402-express ${expressBytes} B`,
      )
      const throughput = await compareThroughput(
        await context.load(),
        [
          { label: 'koa', url: `${koa.url}/bare` },
          { label: 'tx402', url: `${koa.url}/paid` },
          { label: 'express', url: `${expressUrl}/bare` },
          { label: 'x402', url: `${expressUrl}/paid` },
        ],
        { log: context.log },
      )
      const check = (label: string) => {
        const statuses = throughput.answers[label]!.statusCounts
        const other = Object.keys(statuses).filter((status) => status !== '402')
        return other.length ? `; ${label} also answered ${other.join(', ')}` : ''
      }
      return [
        throughputFigure(throughput, {
          bench: 'peer',
          metric: '@tx402/koa 402 req/s',
          subject: 'tx402',
          floor: 'koa',
          floorLabel: 'bare Koa',
          note: `${koa.challengeBytes} B body + PAYMENT-REQUIRED header${check('tx402')}`,
          details: { challengeBytes: koa.challengeBytes },
        }),
        throughputFigure(throughput, {
          bench: 'peer',
          metric: 'x402-express 402 req/s',
          subject: 'x402',
          floor: 'express',
          floorLabel: 'bare Express',
          note: `${expressBytes} B body, no header${check('x402')}`,
          details: { challengeBytes: expressBytes },
        }),
      ]
    } finally {
      await koa.stop()
      await express.stop()
    }
  },
}
