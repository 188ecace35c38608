import type { LoadGenerator } from '../load/loadGenerator.js'
import type { Headers, LoadResult } from '../load/loadSpec.js'
import { median, ratio } from '../report/stats.js'

/** One target of a throughput comparison. */
export interface Target {
  label: string
  url: string
  headers?: Headers
}

/** Requests per second of each target, round by round, and what they answered. */
export interface Throughput {
  /** Per target label: the rps of each round. */
  rounds: Record<string, number[]>
  /** Per target label: the median rps over the rounds. */
  rps: Record<string, number>
  /** Per target label: status counts and error codes, over every round. */
  answers: Record<
    string,
    { statusCounts: Record<string, number>; errorCodes: Record<string, number> }
  >
}

/** Settings of a throughput comparison; defaults fit a 2-core machine. */
export interface ThroughputOptions {
  /** Default 3. */
  rounds?: number
  /** Seconds per target per round. Default 3. */
  seconds?: number
  /** Default 32. */
  connections?: number
  log?: (line: string) => void
  /** Runs after the warm-up, before the first round (to start counting). */
  beforeRounds?: () => Promise<void>
}

/**
 * Runs the targets in turn, `rounds` times (after a 1 s warm-up of each), so a neighbour's load
 * on a shared machine falls on all of them alike; each figure is the median over the rounds.
 *
 * @example const { rps } = await compareThroughput(load, [{ label: 'bare', url }, { label: '402', url: paid }])
 */
export async function compareThroughput(
  load: LoadGenerator,
  targets: readonly Target[],
  options: ThroughputOptions = {},
): Promise<Throughput> {
  const rounds = options.rounds ?? 3
  const seconds = options.seconds ?? 3
  const connections = options.connections ?? 32
  const run = (target: Target, durationSec: number): Promise<LoadResult> =>
    load.run({
      urls: [target.url],
      connections,
      durationSec,
      tallyErrors: true,
      ...(target.headers ? { headers: target.headers } : {}),
    })
  for (const target of targets) await run(target, 1)
  await options.beforeRounds?.()
  const result: Throughput = { rounds: {}, rps: {}, answers: {} }
  for (let round = 1; round <= rounds; round++) {
    const line: string[] = []
    for (const target of targets) {
      const measured = await run(target, seconds)
      const rounds = result.rounds[target.label] ?? []
      rounds.push(measured.rps)
      result.rounds[target.label] = rounds
      const answers = result.answers[target.label] ?? { statusCounts: {}, errorCodes: {} }
      result.answers[target.label] = answers
      add(answers.statusCounts, measured.statusCounts)
      add(answers.errorCodes, measured.errorCodes)
      line.push(`${target.label} ${Math.round(measured.rps)} req/s`)
    }
    options.log?.(`  round ${round}/${rounds}: ${line.join(', ')}`)
  }
  for (const target of targets) result.rps[target.label] = median(result.rounds[target.label]!)
  return result
}

/** The median over rounds of `subject / floor`, each round's pair measured back to back. */
export function roundRatio(throughput: Throughput, subject: string, floor: string): number {
  const subjects = throughput.rounds[subject] ?? []
  const floors = throughput.rounds[floor] ?? []
  return median(subjects.map((value, i) => ratio(value, floors[i] ?? Number.NaN)))
}

function add(into: Record<string, number>, from: Record<string, number>): void {
  for (const [key, count] of Object.entries(from)) into[key] = (into[key] ?? 0) + count
}
