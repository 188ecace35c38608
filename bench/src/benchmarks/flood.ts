import type { Benchmark } from '../benchContext.js'
import { countsBetween, describePerOp } from '../infra/countingRedis.js'
import type { ProbeResult } from '../load/loadSpec.js'
import { percentile, ratio } from '../report/stats.js'
import type { KoaServerTimings } from '../servers/koaServer.js'
import { countVerifications } from './contention.js'
import { paidRoute } from './paidRoute.js'

const floodRequests = 10_000
const floodConnections = 100
const probes = 30
// Paid requests before the idle ones, so neither side pays for a cold load generator or route.
const warmUp = 5
// The probe starts once the flood is under way.
const probeDelayMs = 500

/**
 * `flood`: 10,000 requests with random well-formed transaction hashes (and random well-formed
 * proofs, so they reach the chain; no challenge). What they cost
 * downstream (RPC round trips, SQL statements), and the latency of a legitimate paid request
 * during the flood against the same request when idle; the legitimate payer pays against a
 * challenge and presents it, with its proof. The legitimate client retries on 429 and
 * 409 after Retry-After, as a real client would, so its latency is the time until it is served.
 */
export const flood: Benchmark = {
  name: 'flood',
  title: '10,000 random tx hashes: RPC and SQL they cause; legit paid latency during vs idle',
  async run(context) {
    const { server, chain, load } = await paidRoute(context)
    const probeLoad = await context.probeLoad()
    // Each legitimate payer pays against a challenge it was given first, and presents it.
    const challenges: string[] = []
    for (let i = 0; i < warmUp + 2 * probes; i++) {
      const answer = await fetch(`${server.url}/paid`)
      challenges.push(((await answer.json()) as { challenge: { id: string } }).challenge.id)
    }
    const hashes = await chain.pay(warmUp + 2 * probes)
    const sets = await Promise.all(
      hashes.map((hash, i) => chain.paymentHeaders(hash, challenges[i])),
    )
    const [warmUpSets, idleSets, duringSets] = [
      sets.slice(0, warmUp),
      sets.slice(warmUp, warmUp + probes),
      sets.slice(warmUp + probes),
    ]
    const probe = (sets: Record<string, string>[]) =>
      probeLoad.probe({
        url: `${server.url}/paid`,
        headerSets: sets,
        maxAttempts: 30,
        maxRetryWaitMs: 2_000,
      })

    await probe(warmUpSets!)
    context.log(`  idle: ${probes} legitimate paid requests, one at a time`)
    chain.rpc.reset()
    const idleBefore = await server.stats()
    await server.timings()
    const idle = await probe(idleSets!)
    const idleTimings = await server.timings()
    const nodeIdle = await nodeRoundTrips(chain.node.rpcUrl)
    const idleRpc = chain.rpc.counts()
    const idleAfter = await server.stats()
    const idleStatements = idleAfter.postgresQueries - idleBefore.postgresQueries
    const idleRedis = countsBetween(idleBefore.redisCommands, idleAfter.redisCommands)

    context.log(
      `  flood: ${floodRequests.toLocaleString('en-US')} random hashes over ${floodConnections} connections, ${probes} legitimate requests during it`,
    )
    chain.rpc.reset()
    const statsBefore = await server.stats()
    const started = performance.now()
    const flooding = load.run({
      urls: [`${server.url}/paid`],
      connections: floodConnections,
      amount: floodRequests,
      randomTxOnChain: 'base',
      tallyErrors: true,
    })
    await new Promise((resolve) => setTimeout(resolve, probeDelayMs))
    const probeStarted = performance.now() - started
    // A round trip from this process (which also runs the counting RPC proxy) straight to anvil,
    // beside the probe: what the flood's load on the machine's cores does to parts it does not
    // queue in.
    const [during, nodeDuring] = await Promise.all([
      probe(duringSets!),
      nodeRoundTrips(chain.node.rpcUrl),
    ])
    const duringTimings = await server.timings()
    const probeEnded = performance.now() - started
    const result = await flooding
    const floodEnded = performance.now() - started
    const rpc = chain.rpc.counts()
    const statsAfter = await server.stats()
    const redisCommands = countsBetween(
      idleRedis,
      countsBetween(statsBefore.redisCommands, statsAfter.redisCommands),
    )

    // What the legitimate requests cost on their own, measured when idle, is taken off.
    const floodRoundTrips = rpc.httpRequests - idleRpc.httpRequests
    const floodCalls = rpc.calls - idleRpc.calls
    const verified = countVerifications(statsAfter) - countVerifications(statsBefore) - probes
    // The legitimate payments' own statements, measured idle, are taken off; group commit may pack
    // them tighter during the flood than idle, so the difference is clamped at 0 (raw counts in the note).
    const duringStatements = statsAfter.postgresQueries - statsBefore.postgresQueries
    const statements = Math.max(0, duringStatements - idleStatements)
    const idleP50 = percentile(times(idle), 50)
    const duringP50 = percentile(times(during), 50)
    const retries = during.requests.reduce((sum, r) => sum + r.attempts - 1, 0)
    const servedDuring = during.requests.filter((r) => r.status === 200).length
    const answers = Object.entries(result.errorCodes)
      .map(([code, n]) => `${code} ${n}`)
      .join(', ')
    const overlap =
      probeEnded <= floodEnded
        ? 'all during the flood'
        : `the last ${Math.round(probeEnded - floodEnded)} ms after it ended`
    return [
      {
        bench: 'flood',
        metric: `RPC round trips for ${floodRequests.toLocaleString('en-US')} random hashes`,
        unit: 'count',
        value: floodRoundTrips,
        note: `${verified} reached the chain (${(floodRoundTrips / verified).toFixed(2)} round trips, ${(floodCalls / verified).toFixed(2)} calls each); answers: ${answers}`,
        details: { rpc, idleRpc, result, verified, floodCalls },
      },
      {
        bench: 'flood',
        metric: 'SQL statements for the random hashes',
        unit: 'count',
        value: statements,
        note: `${(statements / verified).toFixed(2)} per hash that reached the chain (${duringStatements} during the flood with the ${probes} legitimate payments, ${idleStatements} for those when idle); Redis ${describePerOp(redisCommands, verified)} per hash that reached the chain`,
        details: { statements, duringStatements, idleStatements, redisCommands },
      },
      {
        bench: 'flood',
        metric: 'legit paid request p50, during flood',
        unit: 'ms',
        value: duringP50,
        floor: { label: 'same, idle', value: idleP50 },
        ratio: ratio(duringP50, idleP50),
        note: `${servedDuring}/${probes} served, ${retries} retries after 429/409 (slowest ${Math.round(Math.max(...times(during)))} ms, idle ${Math.round(Math.max(...times(idle)))} ms); ${overlap}`,
        details: {
          idle: idle.requests,
          during: during.requests,
          probeStartedMs: probeStarted,
          probeEndedMs: probeEnded,
          floodEndedMs: floodEnded,
        },
      },
      {
        bench: 'flood',
        metric: 'legit paid request p90, during flood',
        unit: 'ms',
        value: percentile(times(during), 90),
        floor: { label: 'same, idle', value: percentile(times(idle), 90) },
        ratio: ratio(percentile(times(during), 90), percentile(times(idle), 90)),
        note: `in the server, p90 idle -> during: chain lookup ${inServer(idleTimings.verification, duringTimings.verification)}, engine decision (lookup + ledger) ${inServer(idleTimings.decision, duringTimings.decision)}; event-loop delay p50/p90 ${loop(idleTimings)} -> ${loop(duringTimings)} ms; a bench-to-anvil round trip p50/p90 ${nodeIdle} -> ${nodeDuring} ms (the cores are shared with the load generator and the RPC proxy). A payer refused 429 waits Retry-After (1 s) and tries again`,
        details: { idleTimings, duringTimings, nodeIdle, nodeDuring },
      },
    ]
  },
}

function inServer(idle: number[], during: number[]): string {
  const p90 = (list: number[]) => Math.round(percentile(list, 90))
  return `${p90(idle)} -> ${p90(during)} ms`
}

function loop({ eventLoopDelay }: KoaServerTimings): string {
  return eventLoopDelay ? `${eventLoopDelay.p50.toFixed(0)}/${eventLoopDelay.p90.toFixed(0)}` : '?'
}

/** p50/p90 of 15 sequential `eth_blockNumber` round trips to `url`, in ms. */
async function nodeRoundTrips(url: string): Promise<string> {
  const list: number[] = []
  for (let i = 0; i < 15; i++) {
    const started = performance.now()
    const answer = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_blockNumber', params: [] }),
    })
    await answer.text()
    list.push(performance.now() - started)
  }
  return `${percentile(list, 50).toFixed(1)}/${percentile(list, 90).toFixed(1)}`
}

function times(result: ProbeResult): number[] {
  return result.requests.map((r) => r.ms)
}
