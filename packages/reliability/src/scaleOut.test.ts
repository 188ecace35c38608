import assert from 'node:assert/strict'
import { type KilledMaster, killClusterMaster } from '@tx402/testing/faults'
import { describeWithServices } from '@tx402/testing/services'
import { ledgerRows } from './test/database.js'
import { type FaultLab, payerAccounts, startFaultLab } from './test/faultLab.js'
import { runScenario, type ScenarioRun, startScenarioRun } from './test/runScenario.js'
import { formatTally, type Tally } from './test/tally.js'
import { Traffic } from './test/traffic.js'

const claimTtlMs = 3_000

describeWithServices(
  'scale-out: 4 API processes on a Redis Cluster and PgBouncer (transaction pooling)',
  ['postgres', 'redis-cluster', 'pgbouncer', 'redis-server'],
  function () {
    this.timeout(120_000)
    let lab: FaultLab
    let run: ScenarioRun & { seed: number }
    const tallies: Tally[] = []

    before(async function () {
      this.timeout(180_000)
      lab = await startFaultLab({ apiCount: 4, claimTtlMs, ledger: 'scale-out' })
      run = await startScenarioRun(lab)
      console.log(
        `      scale-out suite: seed ${run.seed} (TX402_FAULT_SEED), 3 masters + 3 replicas`,
      )
    })

    after(async function () {
      this.timeout(60_000)
      for (const tally of tallies) console.log(`      - ${formatTally(tally)}`)
      await lab?.close()
    })

    it('serves 200 concurrent requests for one transaction exactly once across the 4 processes', async () => {
      const traffic = new Traffic(lab, run.rng, [])
      const payment = await traffic.pay(payerAccounts[0], await traffic.challenge())
      // Known to the scenario below, whose tally reads every ledger row of this payee.
      run.everyPayment.add(payment.tx)
      const answers = await Promise.all(
        Array.from({ length: 200 }, (_, i) =>
          traffic.send(lab.apis[i % lab.apis.length]!, '/api/paid', traffic.headers(payment), {
            kind: 'payment',
            tx: payment.tx,
          }),
        ),
      )
      const served = answers.filter((a) => a.status === 200)
      assert.equal(served.length, 1, JSON.stringify(answers.map((a) => [a.status, a.error])))
      assert.equal(served[0]!.served, payment.tx)
      const others = new Set(
        answers.filter((a) => a.status !== 200).map((a) => `${a.status} ${a.error}`),
      )
      // Refused as in progress or used, or told to retry (nothing consumed): on a loaded machine a
      // Redis command can miss its deadline, and the ledger then runs on PostgreSQL alone.
      const allowed = [
        '409 payment_in_progress',
        '402 tx_already_used',
        '429 rate_limited',
        '503 verifier_unavailable',
      ]
      for (const other of others) {
        assert.ok(
          allowed.includes(other),
          `unexpected answer ${other} among ${[...others].join(', ')}`,
        )
      }
      const paidLines = lab.everyApi.flatMap((api) =>
        api.lines.filter((line) => line.event === 'paid' && line.tx === payment.tx),
      )
      assert.equal(paidLines.length, 1, 'one onPaid across the processes')
      const rows = await ledgerRows(lab.pool, { payTo: lab.payTo, txIds: [payment.tx] })
      assert.deepEqual(
        rows.filter((row) => row.txId === payment.tx).map((row) => row.status),
        ['consumed'],
      )
      run.served.push(payment.tx)
    })

    let killed: KilledMaster | undefined
    let failover: string | undefined
    it('keeps every invariant when a master of the cluster is killed during paid traffic (a replica takes over), then comes back', async () => {
      const tally = await runScenario(run, {
        name: 'a Redis Cluster master is killed with SIGKILL; its replica takes over; it restarts as a replica',
        faultMs: 3_000,
        async inject() {
          killed = await killClusterMaster()
          // Not awaited: traffic goes on while the cluster notices and promotes the replica.
          failover = 'no replica took over'
          void killed.failedOver().then(
            () => {
              failover = undefined
            },
            () => {},
          )
        },
        async heal() {
          await killed!.failedOver()
          await killed!.restart()
        },
        bit: (exchanges) =>
          failover ??
          (exchanges.some((e) => e.phase === 'fault' && e.kind === 'payment' && e.status === 200)
            ? undefined
            : 'no payment served while the master was down'),
      })
      tallies.push(tally)
      console.log(`      ${formatTally(tally)}`)
      // The tally's problems include any 500, any payment served twice and any lost.
      assert.deepEqual(tally.problems, [])
      assert.ok(tally.payments > 0)
      assert.equal(tally.servedOnce, tally.payments)
    })
  },
)
