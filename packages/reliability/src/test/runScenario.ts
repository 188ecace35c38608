import { setTimeout as sleep } from 'node:timers/promises'
import { testTokenAbi } from '@tx402/testing/evm'
import type { Address } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { ledgerRows } from './database.js'
import type { Exchange } from './exchange.js'
import { type FaultLab, payerAccounts, strangerAccount } from './faultLab.js'
import { type Prng, prng } from './prng.js'
import { type Tally, tallyScenario } from './tally.js'
import { Traffic } from './traffic.js'

/** One fault: how to cause it and mend it while traffic runs, and how to tell it bit. */
export interface Scenario {
  name: string
  inject(lab: FaultLab, traffic: Traffic): Promise<void>
  heal(lab: FaultLab, traffic: Traffic): Promise<void>
  /** How long the fault lasts, in ms. Default 1500. */
  faultMs?: number
  /** What proves the fault was felt, e.g. a 503 while it lasted; a problem line if it was not. */
  bit(exchanges: readonly Exchange[]): string | undefined
}

/** What every scenario of one run shares. */
export interface ScenarioRun {
  lab: FaultLab
  rng: Prng
  /** A real transfer of the test token to someone else. */
  wrongRecipientTx: string
  /** Grows as scenarios serve payments: replays of them are refused in later scenarios. */
  served: string[]
  /** Every payment made in this run. */
  everyPayment: Set<string>
}

/**
 * What a suite's scenarios share, made once the lab is up: a real transfer of the test token to
 * someone else (it pays for nothing here) and the traffic's random source, seeded from
 * `TX402_FAULT_SEED` (default 9402).
 *
 * @example const run = await startScenarioRun(lab)
 */
export async function startScenarioRun(lab: FaultLab): Promise<ScenarioRun & { seed: number }> {
  const stranger = lab.node.wallet(strangerAccount)
  const wrongRecipientTx = await stranger.writeContract({
    address: lab.token,
    abi: testTokenAbi,
    functionName: 'transfer',
    args: [privateKeyToAccount(generatePrivateKey()).address as Address, 10_000n],
  })
  await lab.node.publicClient.waitForTransactionReceipt({ hash: wrongRecipientTx })
  const seed = Number(process.env.TX402_FAULT_SEED ?? 9402)
  return { lab, rng: prng(seed), seed, wrongRecipientTx, served: [], everyPayment: new Set() }
}

// Bounds of one scenario: traffic before, during and after the fault, then recovery.
const leadMs = 700
const trailMs = 700
const recoveryMs = 20_000
const paymentsPerPayer = 12
const payerPauseMs = 250
const freeloaderPauseMs = 50
const freeloaderRequests = 400
const commitWaitMs = 15_000

/**
 * Runs a scenario: three payers (real payments, each presented to two processes at once) and a
 * freeloader drive traffic; the fault comes after `leadMs`, lasts `faultMs`, and is mended; the
 * loops stop `trailMs` later; unserved payments are presented again until served (at most
 * `recoveryMs`); then the tally is checked against the processes' logs and PostgreSQL.
 *
 * @example const tally = await runScenario(run, { name: 'rpc down', inject, heal, bit })
 */
export async function runScenario(run: ScenarioRun, scenario: Scenario): Promise<Tally> {
  const { lab } = run
  const traffic = new Traffic(lab, run.rng, run.served)
  const loops = [
    ...payerAccounts.map(async (account) => {
      for (let n = 0; n < paymentsPerPayer && !traffic.isStopped; n++) {
        await traffic.payerLoop(account, 1)
        await sleep(payerPauseMs)
      }
    }),
    traffic.freeloaderLoop(run.wrongRecipientTx, freeloaderPauseMs, freeloaderRequests),
  ]
  let failure: unknown
  try {
    await sleep(leadMs)
    traffic.phase = 'fault'
    await scenario.inject(lab, traffic)
    await sleep(scenario.faultMs ?? 1_500)
    await scenario.heal(lab, traffic)
    traffic.phase = 'after'
    await sleep(trailMs)
  } catch (error) {
    failure = error
  } finally {
    traffic.stop()
    await Promise.all(loops)
    // Known to later scenarios' checks even when this one fails.
    for (const payment of traffic.payments) run.everyPayment.add(payment.tx)
  }
  if (failure) throw failure
  await traffic.recover(recoveryMs)
  await commitsLanded(run, traffic.exchanges)
  const tally = tallyScenario({
    name: scenario.name,
    apis: new Set(traffic.exchanges.map((exchange) => exchange.api)).size,
    exchanges: traffic.exchanges,
    payments: traffic.payments,
    unpaid: traffic.unpaid,
    paidLines: paidLines(run),
    rows: await ledgerRows(lab.pool, { payTo: lab.payTo, txIds: [...traffic.unpaid] }),
    everyPayment: run.everyPayment,
    decisions: lab.everyApi.flatMap((api) =>
      api.lines.filter((line) => line.msg === 'tx402: payment decision'),
    ),
  })
  const missed = scenario.bit(traffic.exchanges)
  if (missed) tally.problems.push(`the fault did not bite: ${missed}`)
  run.served.push(...traffic.payments.map((payment) => payment.tx))
  return tally
}

const paidLines = (run: ScenarioRun): string[] =>
  run.lab.everyApi.flatMap((api) =>
    api.lines.flatMap((line) => (line.event === 'paid' && line.tx ? [line.tx] : [])),
  )

/**
 * A payment is committed once its response was sent whole (docs/protocol.md section 6), and retried
 * in the background while the ledger is down: waits (up to `commitWaitMs`) until every response
 * a live process served has its `paid` line, so the tally counts settled payments.
 */
async function commitsLanded(run: ScenarioRun, exchanges: readonly Exchange[]): Promise<void> {
  const served = exchanges.flatMap((e) =>
    e.status === 200 && e.tx && !e.redelivered && !e.api.killed ? [e.tx] : [],
  )
  const deadline = Date.now() + commitWaitMs
  while (Date.now() < deadline) {
    const paid = new Set(paidLines(run))
    if (served.every((tx) => paid.has(tx))) return
    await sleep(100)
  }
}
