import type { LoadGenerator } from '../load/loadGenerator.js'
import type { Headers, LoadResult } from '../load/loadSpec.js'
import type { Figure } from '../report/figure.js'
import { addedMicroseconds, ratio } from '../report/stats.js'

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
  /** Per target label: status counts and error codes, over every round. */
  answers: Record<
    string,
    { statusCounts: Record<string, number>; errorCodes: Record<string, number> }
  >
}

/** Settings of a throughput comparison; defaults fit a 2-core machine. */
export interface ThroughputOptions {
  /** Default 5. */
  rounds?: number
  /** Seconds per target per round. Default 2. */
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
  const rounds = options.rounds ?? 5
  const seconds = options.seconds ?? 2
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
  const result: Throughput = { rounds: {}, answers: {} }
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
  return result
}

/** A subject against its floor, as figures show it. */
export interface Pair {
  /** Requests per second of the subject and of the floor, in the median round. */
  value: number
  floor: number
  /** `value / floor`: the median over the rounds of the ratio of each round's back-to-back pair. */
  ratio: number
  /** What the subject adds to each request, in µs, in that round. */
  addedMicroseconds: number
}

/**
 * The round whose `subject / floor` is the median of all rounds (the upper one of an even
 * count), so the value, floor and ratio a figure shows are one round's and agree.
 *
 * @example const { value, floor, ratio } = medianRound(throughput, '402', 'bare')
 */
export function medianRound(throughput: Throughput, subject: string, floor: string): Pair {
  const subjects = throughput.rounds[subject] ?? []
  const floors = throughput.rounds[floor] ?? []
  const rounds = subjects
    .map((value, i) => ({ value, floor: floors[i] ?? Number.NaN }))
    .map((round) => ({ ...round, ratio: ratio(round.value, round.floor) }))
    .filter((round) => Number.isFinite(round.ratio))
    .sort((a, b) => a.ratio - b.ratio)
  const middle = rounds[Math.floor(rounds.length / 2)]
  if (!middle)
    return {
      value: Number.NaN,
      floor: Number.NaN,
      ratio: Number.NaN,
      addedMicroseconds: Number.NaN,
    }
  return { ...middle, addedMicroseconds: addedMicroseconds(middle.value, middle.floor) }
}

/**
 * A req/s figure of `subject` against `floor` from the median round, its note starting with
 * what the subject adds per request.
 *
 * @example throughputFigure(throughput, { bench: 'challenge', metric: '402 req/s', subject: '402', floor: 'bare', floorLabel: 'bare Koa' })
 */
export function throughputFigure(
  throughput: Throughput,
  options: {
    bench: string
    metric: string
    subject: string
    floor: string
    floorLabel: string
    note?: string
    details?: Record<string, unknown>
  },
): Figure {
  const pair = medianRound(throughput, options.subject, options.floor)
  return {
    bench: options.bench,
    metric: options.metric,
    unit: 'req/s',
    value: pair.value,
    floor: { label: options.floorLabel, value: pair.floor },
    ratio: pair.ratio,
    note: `+${pair.addedMicroseconds.toFixed(0)} µs per request${options.note ? `; ${options.note}` : ''}`,
    details: { ...options.details, rounds: throughput.rounds, answers: throughput.answers },
  }
}

function add(into: Record<string, number>, from: Record<string, number>): void {
  for (const [key, count] of Object.entries(from)) into[key] = (into[key] ?? 0) + count
}
