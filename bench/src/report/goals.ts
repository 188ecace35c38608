// The goals of issue 17 for the rows whose benchmarks predate them, kept in one place so every
// row of the table says whether it meets its goal. A benchmark that sets `goal` or `expected`
// itself keeps it; a row that no rule names is shown as `info`.
import type { Figure, Goal } from './figure.js'
import { addedMicroseconds } from './stats.js'

interface GoalRule {
  bench: string
  /** Matched against the figure's metric. */
  metric: RegExp
  goal(figure: Figure, all: readonly Figure[]): Goal
}

const atLeast = (text: string, min: number) => (f: Figure) => ({
  text,
  met: (f.ratio ?? Number.NaN) >= min,
})
const atMost = (text: string, max: number) => (f: Figure) => ({
  text,
  met: (f.ratio ?? Number.NaN) <= max,
})
const info = (text: string) => () => ({ text })
const added = (f: Figure | undefined) =>
  f?.floor ? addedMicroseconds(f.value, f.floor.value) : Number.NaN

const rules: GoalRule[] = [
  { bench: 'challenge', metric: /402 challenge/, goal: atLeast('402 >= 0.5x', 0.5) },
  { bench: 'replay', metric: /consumed-tx/, goal: atLeast('replay >= 0.5x', 0.5) },
  { bench: 'verify', metric: /first paid request p50/, goal: atMost('p50 <= 2.0x', 2) },
  { bench: 'verify', metric: /on-chain verification/, goal: atMost('chain <= 1.3x', 1.3) },
  { bench: 'verify', metric: /p99/, goal: info('goal is on p50') },
  {
    bench: 'verify',
    metric: /SQL statements per verification/,
    goal: (f, all) => {
      // The Redis commands are in the details; the samples in the p50 row's.
      const samples = Number(
        all.find((o) => o.bench === 'verify' && o.details?.samples)?.details?.samples,
      )
      const redis = Object.values((f.details?.redisCommands ?? {}) as Record<string, number>)
      const redisPer = redis.reduce((a, b) => a + b, 0) / samples
      return { text: 'SQL <= 2, Redis <= 2', met: f.value <= 2 && redisPer <= 2 }
    },
  },
  { bench: 'ledger', metric: /claim\+mark\+commit/, goal: atLeast('ledger >= 0.45x', 0.45) },
  { bench: 'flood', metric: /p90/, goal: atMost('p90 <= 1.2x', 1.2) },
  {
    bench: 'flood',
    metric: /p50/,
    // A legitimate payer answered 429 (or 409) had to retry: the goal is that it never must.
    goal: (f) => {
      const during = (f.details?.during ?? []) as { attempts: number }[]
      const retries = during.reduce((sum, r) => sum + r.attempts - 1, 0)
      return { text: 'legit payer never retried', met: during.length > 0 && retries === 0 }
    },
  },
  { bench: 'flood', metric: /RPC round trips|SQL statements/, goal: info('cost of the flood') },
  {
    bench: 'peer',
    metric: /@tx402\/koa/,
    goal: (f, all) => ({
      text: 'adds less than x402-express',
      met: added(f) < added(all.find((o) => o.bench === 'peer' && /x402-express/.test(o.metric))),
    }),
  },
  { bench: 'peer', metric: /x402-express/, goal: info('the peer tx402 is compared with') },
]

/**
 * The figures, each with the goal issue 17 sets for it when its benchmark did not set one or an
 * exact count.
 *
 * @example const judged = withGoals(figures); judged.map(verdict)
 */
export function withGoals(figures: readonly Figure[]): Figure[] {
  return figures.map((figure) => {
    if (figure.goal || figure.expected !== undefined) return figure
    const rule = rules.find((r) => r.bench === figure.bench && r.metric.test(figure.metric))
    return rule ? { ...figure, goal: rule.goal(figure, figures) } : figure
  })
}
