import type { Benchmark } from '../benchContext.js'

// BENCH_MEMORY_CHALLENGES lowers the count for a quick look; the row names the count it ran.
const challenges = Number(process.env.BENCH_MEMORY_CHALLENGES ?? 1_000_000)
const randomHashes = 100_000
// In runs of this many, with the memory read after each, so growth shows as a curve.
const chunk = 100_000
const warmUpChallenges = 20_000
const warmUpHashes = 2_000
const limitMb = 50
const mb = (bytes: number) => bytes / 2 ** 20
// A well-formed signature: the server checks a proof against the transaction's payer, so only
// after asking the chain; without one, a random hash is refused before any cache is touched.
const unverifiedProof = `0x${'ab'.repeat(64)}1b`

/**
 * `memory`: resident memory (RSS, after a full garbage collection) of one API process (Redis +
 * PostgreSQL ledger, anvil RPC) after 1,000,000 402 challenges and 100,000 requests with random
 * well-formed transaction hashes, against its RSS after a warm-up of both. Every per-request
 * cache must be bounded: the growth must stay within 50 MB.
 */
export const memory: Benchmark = {
  name: 'memory',
  title: `RSS of one API process after ${challenges.toLocaleString('en-US')} challenges and ${randomHashes.toLocaleString('en-US')} random-hash requests vs after warm-up (<= ${limitMb} MB)`,
  async run(context) {
    const server = await context.startKoaServer({ ledger: 'redis-postgres' })
    const load = await context.load()
    const url = `${server.url}/paid`
    const challenge = (amount: number) => load.run({ urls: [url], connections: 32, amount })
    const random = (amount: number) =>
      load.run({
        headers: { 'x-payment-proof': unverifiedProof },
        urls: [url],
        connections: 100,
        amount,
        randomTxOnChain: 'base',
        tallyErrors: true,
      })
    try {
      context.log(
        `  warm-up: ${warmUpChallenges.toLocaleString('en-US')} challenges, ${warmUpHashes} random hashes`,
      )
      await challenge(warmUpChallenges)
      await random(warmUpHashes)
      const curve: { after: string; rssMb: number; heapUsedMb: number }[] = []
      const read = async (after: string) => {
        const m = await server.memory()
        curve.push({ after, rssMb: mb(m.rss), heapUsedMb: mb(m.heapUsed) })
        context.log(
          `  after ${after}: RSS ${mb(m.rss).toFixed(1)} MB, heap used ${mb(m.heapUsed).toFixed(1)} MB`,
        )
        return m
      }
      const warm = await read('warm-up')

      let started = performance.now()
      let statuses: Record<string, number> = {}
      for (let done = 0; done < challenges; done += chunk) {
        const n = Math.min(chunk, challenges - done)
        const result = await challenge(n)
        statuses = merge(statuses, result.statusCounts)
        await read(`${(done + n).toLocaleString('en-US')} challenges`)
      }
      const challengeSec = (performance.now() - started) / 1000
      started = performance.now()
      let answers: Record<string, number> = {}
      for (let done = 0; done < randomHashes; done += chunk) {
        const n = Math.min(chunk, randomHashes - done)
        answers = merge(answers, (await random(n)).errorCodes)
        await read(`${(done + n).toLocaleString('en-US')} random hashes`)
      }
      const randomSec = (performance.now() - started) / 1000
      const end = await server.memory()
      const growth = mb(end.rss - warm.rss)
      const non402 = Object.entries(statuses).filter(([status]) => status !== '402')
      return [
        {
          bench: 'memory',
          metric: `RSS growth, ${challenges.toLocaleString('en-US')} challenges + ${randomHashes.toLocaleString('en-US')} random hashes`,
          unit: 'MB',
          value: growth,
          floor: { label: 'RSS after warm-up', value: mb(warm.rss) },
          goal: { text: `memory <= ${limitMb} MB`, met: growth <= limitMb },
          note: `RSS ${mb(warm.rss).toFixed(0)} → ${mb(end.rss).toFixed(0)} MB, heap used ${mb(warm.heapUsed).toFixed(0)} → ${mb(end.heapUsed).toFixed(0)} MB (after GC); challenges took ${challengeSec.toFixed(0)} s, random hashes ${randomSec.toFixed(0)} s (answered ${Object.entries(
            answers,
          )
            .map(([code, n]) => `${code} ${n}`)
            .join(
              ', ',
            )})${non402.length ? `; non-402 challenge answers ${JSON.stringify(Object.fromEntries(non402))}` : ''}`,
          details: { warm, end, curve, challengeSec, randomSec, statuses, answers },
        },
      ]
    } finally {
      await server.stop()
    }
  },
}

function merge(into: Record<string, number>, from: Record<string, number>) {
  const sum = { ...into }
  for (const [key, n] of Object.entries(from)) sum[key] = (sum[key] ?? 0) + n
  return sum
}
