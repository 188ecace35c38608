import type { ApiLine } from './apiProcess.js'
import type { LedgerRow } from './database.js'
import type { Exchange, Payment } from './exchange.js'

/** What a scenario did, counted. */
export interface Tally {
  name: string
  apis: number
  payments: number
  /** Served exactly once (client saw one 200, one process logged `paid`, PostgreSQL consumed). */
  servedOnce: number
  /** When each served payment was served, by phase. */
  servedIn: Record<string, number>
  servedTwice: number
  notServed: number
  requests: number
  /** `200`, `402 tx_already_used`, `503`, `no answer`…: how many of each. */
  answers: Record<string, number>
  unpaidServed: number
  wrongVerdicts: number
  /** Payments consumed in the ledger but never served (always a problem). */
  lost: number
  leaks: number
  /** Every broken rule, one line each; empty when the scenario passed. */
  problems: string[]
}

/** What the checks need besides the exchanges. */
export interface TallyInput {
  name: string
  apis: number
  exchanges: readonly Exchange[]
  payments: readonly Payment[]
  unpaid: ReadonlySet<string>
  /** `paid` lines (onPaid) of every process, killed ones included: tx ids, with repeats. */
  paidLines: readonly string[]
  /** The engine's decision lines of every process. */
  decisions: readonly ApiLine[]
  /** Ledger rows of the suite's payee and of the unpaid tx ids. */
  rows: readonly LedgerRow[]
  /** Every payment any scenario of this run has made (rows of the payee must be these). */
  everyPayment: ReadonlySet<string>
}

const retryable: Record<string, string> = {
  409: 'payment_in_progress',
  429: 'rate_limited',
  503: 'verifier_unavailable',
}

/**
 * Checks the invariants of a fault scenario and counts what happened: each paid transaction
 * served at most once (here: exactly once, after recovery); no unpaid request served; every
 * answer 503, 409, 429 or a correct verdict, never 500; no answer only from a killed process;
 * nothing leaked; PostgreSQL holds exactly the served payments.
 *
 * @example const tally = tallyScenario({ name, exchanges, … }); assert.deepEqual(tally.problems, [])
 */
export function tallyScenario(input: TallyInput): Tally {
  const problems: string[] = []
  const answers: Record<string, number> = {}
  let wrongVerdicts = 0
  let lost = 0
  let leaks = 0
  const wrong = (exchange: Exchange, why: string) => {
    wrongVerdicts++
    if (problems.length < 20) {
      problems.push(
        `${why}: ${exchange.kind}${exchange.probe ? `/${exchange.probe}` : ''} ${exchange.tx ?? ''} to ${exchange.api.name} (${exchange.phase}) → ${exchange.status} ${exchange.error ?? ''}`,
      )
    }
  }

  for (const exchange of input.exchanges) {
    const label =
      exchange.status === 402 || exchange.status === 400
        ? `${exchange.status} ${exchange.error ?? '(no error code)'}`
        : String(exchange.status)
    answers[label] = (answers[label] ?? 0) + 1
    if (exchange.leak) {
      leaks++
      problems.push(`leaked ${exchange.leak} to ${exchange.kind} ${exchange.tx ?? ''}`)
    }
    const { status, error } = exchange
    if (status === 'no answer') {
      if (!exchange.api.killed) wrong(exchange, 'no answer from a live process')
      continue
    }
    if (retryable[status] !== undefined) {
      if (error !== retryable[status]) wrong(exchange, `${status} with the wrong code`)
      if (!/^[1-9][0-9]*$/.test(exchange.retryAfter ?? '')) wrong(exchange, 'no Retry-After')
      if (exchange.kind === 'challenge') wrong(exchange, 'a challenge needs no dependency')
      continue
    }
    switch (exchange.kind) {
      case 'challenge':
        if (status !== 402 || error !== 'payment_required') wrong(exchange, 'not a challenge')
        break
      case 'payment':
      case 'hold':
        if (status === 200) {
          if (exchange.served !== exchange.tx) wrong(exchange, 'served another transaction')
        } else if (status !== 402 || (error !== 'tx_already_used' && error !== 'payment_pending')) {
          wrong(exchange, 'a valid payment refused')
        }
        break
      case 'unpaid':
        if (status === 200) wrong(exchange, 'SERVED WITHOUT PAYMENT')
        else if (error !== exchange.expected) wrong(exchange, `expected ${exchange.expected}`)
        break
    }
  }

  const servedAnswers = new Map<string, Exchange[]>()
  for (const exchange of input.exchanges) {
    // A re-delivery serves a lost paid response again to its payer; it charges nothing.
    if (exchange.status !== 200 || !exchange.tx || exchange.redelivered) continue
    servedAnswers.set(exchange.tx, [...(servedAnswers.get(exchange.tx) ?? []), exchange])
  }
  const rowOf = new Map(input.rows.map((row) => [row.txId, row]))
  const servedIn: Record<string, number> = {}
  let servedOnce = 0
  let servedTwice = 0
  let notServed = 0
  for (const { tx } of input.payments) {
    const answered = servedAnswers.get(tx) ?? []
    const logged = input.paidLines.filter((line) => line === tx).length
    const row = rowOf.get(tx)
    if (answered.length > 1 || logged > 1) {
      servedTwice++
      problems.push(`SERVED TWICE: ${tx} (${answered.length} answers, ${logged} paid lines)`)
    } else if (
      answered.length === 1 &&
      row?.status === 'consumed' &&
      // A process killed after its commit landed and before it wrote the line (the commit follows
      // the response): served and committed once, its line died with it.
      (logged === 1 || (logged === 0 && answered[0]!.api.killed))
    ) {
      servedOnce++
      const phase = answered[0]!.phase
      servedIn[phase] = (servedIn[phase] ?? 0) + 1
    } else if (answered.length === 0 && logged === 0 && row?.status === 'consumed') {
      // Consumed, never served: did a process answer 503 to this payment after verifying it
      // (its commit failed, as far as it could tell)?
      const commitFailed = input.decisions.some(
        (line) => line.transaction === tx && line.status === 503 && line.payer !== undefined,
      )
      lost++
      problems.push(
        `LOST: ${tx} is consumed but was never served${commitFailed ? ' (a commit answered 503 but landed)' : ''}`,
      )
    } else {
      notServed++
      problems.push(
        `not served once fault was gone: ${tx} (${answered.length} answers, ${logged} paid lines, row ${row?.status ?? 'none'})`,
      )
    }
  }

  let unpaidServed = 0
  for (const exchange of input.exchanges) {
    if (exchange.kind === 'unpaid' && exchange.status === 200) unpaidServed++
  }
  for (const row of input.rows) {
    if (input.unpaid.has(row.txId))
      problems.push(`an unpaid transaction is in the ledger: ${row.txId}`)
    else if (!input.everyPayment.has(row.txId)) problems.push(`unknown ledger row ${row.txId}`)
    else if (row.status !== 'consumed') problems.push(`left claimed: ${row.txId}`)
  }

  return {
    name: input.name,
    apis: input.apis,
    payments: input.payments.length,
    servedOnce,
    servedIn,
    servedTwice,
    notServed,
    requests: input.exchanges.length,
    answers,
    unpaidServed,
    wrongVerdicts,
    lost,
    leaks,
    problems,
  }
}

/**
 * One line per scenario, for CI output and the issue's note.
 *
 * @example console.log(formatTally(tally))
 */
export function formatTally(tally: Tally): string {
  const phases = Object.entries(tally.servedIn)
    .map(([phase, n]) => `${phase} ${n}`)
    .join(', ')
  const answers = Object.entries(tally.answers)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([label, n]) => `${label} ×${n}`)
    .join(', ')
  return `${tally.name}: ${tally.apis} APIs, ${tally.payments} payments, ${tally.servedOnce} served once (${phases}), ${tally.servedTwice} twice, ${tally.notServed} not served${tally.lost ? ` (${tally.lost} consumed without being served)` : ''}; ${tally.requests} requests [${answers}]; unpaid served ${tally.unpaidServed}, wrong verdicts ${tally.wrongVerdicts}, leaks ${tally.leaks}`
}
