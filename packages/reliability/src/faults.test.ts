import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import type { PaymentKey } from '@tx402/core'
import { redisPostgresLedger } from '@tx402/ledger'
import { type TcpProxy, tcpProxy } from '@tx402/testing/faults'
import { describeWithServices } from '@tx402/testing/services'
import {
  type AnvilCredit,
  listenCreditApp,
  payFor,
  startAnvilCredit,
} from './test/credit/anvilCredit.js'
import { databaseUrl, ledgerRows, postgresServer, prepareDatabase } from './test/database.js'
import type { Exchange, Payment } from './test/exchange.js'
import { type FaultLab, holderAccount, startFaultLab } from './test/faultLab.js'
import {
  runScenario,
  type Scenario,
  type ScenarioRun,
  startScenarioRun,
} from './test/runScenario.js'
import { formatTally, type Tally } from './test/tally.js'

// A claim lapses this long after a process took it: short, so a killed process's claim frees soon.
const claimTtlMs = 3_000

const saw503 = (exchanges: readonly Exchange[]) =>
  exchanges.some((e) => e.phase === 'fault' && e.status === 503)
    ? undefined
    : 'no 503 while it lasted'
const servedDuring = (exchanges: readonly Exchange[]) =>
  exchanges.some((e) => e.phase === 'fault' && e.kind === 'payment' && e.status === 200)
    ? undefined
    : 'no payment served while it lasted (the ledger should run on PostgreSQL alone)'

/** An HTTP answer whose JSON body breaks off: what a broken RPC gateway sends. */
const malformedJson = [
  'HTTP/1.1 200 OK',
  'Content-Type: application/json',
  'Content-Length: 30',
  'Connection: close',
  '',
  '{"jsonrpc":"2.0","id":1,"resul',
].join('\r\n')

describeWithServices(
  'fault injection: API processes sharing one Redis + PostgreSQL ledger, under paid traffic',
  ['postgres', 'redis-server'],
  function () {
    this.timeout(120_000)
    let lab: FaultLab
    let run: ScenarioRun & { seed: number }
    const tallies: Tally[] = []

    before(async function () {
      this.timeout(180_000)
      lab = await startFaultLab({ apiCount: 2, claimTtlMs })
      run = await startScenarioRun(lab)
      console.log(
        `      fault suite: seed ${run.seed} (TX402_FAULT_SEED), claim TTL ${claimTtlMs} ms`,
      )
    })

    after(async function () {
      this.timeout(60_000)
      if (tallies.length) {
        console.log('\n      fault-injection tallies:')
        for (const tally of tallies) console.log(`      - ${formatTally(tally)}`)
      }
      await lab?.close()
    })

    const scenario = (definition: Scenario) =>
      it(`keeps every invariant when ${definition.name}`, async () => {
        const tally = await runScenario(run, definition)
        tallies.push(tally)
        console.log(`      ${formatTally(tally)}`)
        assert.deepEqual(tally.problems, [])
        assert.ok(tally.payments > 0)
        assert.equal(tally.servedOnce, tally.payments)
      })

    scenario({
      name: 'Redis is stopped during traffic, then restarted empty',
      inject: (lab) => lab.stopRedis(),
      heal: (lab) => lab.startRedis(),
      bit: servedDuring,
    })

    scenario({
      name: 'Redis is flushed twice during traffic',
      inject: (lab) => lab.flushRedis(),
      heal: (lab) => lab.flushRedis(),
      bit: (exchanges) =>
        exchanges.some(
          (e) => e.phase !== 'before' && e.probe === 'replay' && e.error === 'tx_already_used',
        )
          ? undefined
          : 'no replay refused after the flush',
    })

    scenario({
      name: 'Redis stops answering (connections hang)',
      inject: async (lab) => lab.redisProxy.setMode('blackhole'),
      heal: async (lab) => lab.redisProxy.setMode('open'),
      bit: servedDuring,
    })

    let replacement: Promise<unknown> | undefined
    let held: Payment | undefined
    scenario({
      name: 'an API process is killed with SIGKILL between the claim and the commit',
      faultMs: 200,
      async inject(lab, traffic) {
        const victim = lab.apis[0]!
        const holding = await traffic.hold(victim, holderAccount)
        held = holding.payment
        await victim.kill()
        lab.apis.splice(lab.apis.indexOf(victim), 1)
        await holding.answer
        // Its claim is still held by the dead process: refused with 409 until the TTL lapses.
        await traffic.presentOnce(held)
        replacement = lab.addApi('a2')
      },
      heal: async () => {
        await replacement
      },
      bit: (exchanges) => {
        const killed = exchanges.find((e) => e.kind === 'hold')
        if (killed?.status !== 'no answer') return 'the held request was answered'
        const paidByVictim = killed.api.lines.some((l) => l.event === 'paid' && l.tx === held?.tx)
        return paidByVictim ? 'the killed process committed' : undefined
      },
    })

    // Settle on delivery: the claim is confirmed before the first byte and committed only once the
    // response was sent whole. A process dying in between leaves a claim that lapses; reconcile
    // makes the payment usable, and the payer's retry is served once.
    let sending: Payment | undefined
    let released: PaymentKey[] = []
    scenario({
      name: 'an API process is killed with SIGKILL while sending a paid response, then reconcile runs',
      faultMs: 200,
      async inject(lab, traffic) {
        const victim = lab.apis[0]!
        const holding = await traffic.hold(victim, holderAccount, '/api/hold-send')
        sending = holding.payment
        await victim.kill()
        lab.apis.splice(lab.apis.indexOf(victim), 1)
        await holding.answer
        replacement = lab.addApi('a3')
      },
      async heal() {
        await replacement
        // The dead process's claim lapses claimTtlMs after its last renewal.
        await sleep(claimTtlMs + 500)
        const ledger = redisPostgresLedger({
          redis: lab.config.redisUrl,
          db: databaseUrl(),
          keyPrefix: lab.config.keyPrefix,
          logger: { info() {}, warn() {}, error() {} },
        })
        try {
          released = (await ledger.reconcile()).released
        } finally {
          await ledger.close()
        }
      },
      bit: (exchanges) => {
        const killed = exchanges.find((e) => e.kind === 'hold' && e.tx === sending?.tx)
        if (killed?.status !== 'no answer') return 'the response being sent was received whole'
        const txId = sending?.tx.toLowerCase()
        return released.some((key) => key.network === 'eip155:8453' && key.txId === txId)
          ? undefined
          : 'reconcile did not release the claim'
      },
    })

    let lostReply: Payment | undefined
    scenario({
      name: "a commit's reply is lost: PostgreSQL applies it, then the connection drops",
      faultMs: 200,
      async inject(lab, traffic) {
        const api = lab.apis[0]!
        const holding = await traffic.hold(api, holderAccount)
        lostReply = holding.payment
        // Requests still reach PostgreSQL; its answers no longer come back.
        lab.postgresProxy.setMode('mute', { keepConnections: true })
        api.release()
        const consumed = async () =>
          (await ledgerRows(lab.pool, { payTo: lab.payTo })).some(
            (row) => row.txId === lostReply!.tx && row.status === 'consumed',
          )
        for (let i = 0; i < 200 && !(await consumed()); i++) await sleep(50)
        // The commit has landed; its connection drops before the answer arrives.
        lab.postgresProxy.setMode('refuse')
        await holding.answer
      },
      heal: async (lab) => lab.postgresProxy.setMode('open'),
      // The commit is retried (it is idempotent), so the held request is served once PostgreSQL
      // answers again, or answered 503 with its commit undone and served when presented again.
      bit: (exchanges) =>
        exchanges.some((e) => e.kind === 'hold' && (e.status === 200 || e.status === 503))
          ? undefined
          : 'the held request was neither served nor answered 503',
    })

    scenario({
      name: 'PostgreSQL goes down during traffic (connections dropped and refused), then comes back',
      inject: async (lab) => lab.postgresProxy.setMode('refuse'),
      heal: async (lab) => lab.postgresProxy.setMode('open'),
      bit: saw503,
    })

    scenario({
      name: 'PostgreSQL stops answering (connections hang)',
      faultMs: 2_500,
      inject: async (lab) => lab.postgresProxy.setMode('blackhole'),
      heal: async (lab) => lab.postgresProxy.setMode('open'),
      bit: saw503,
    })

    scenario({
      name: 'the RPC times out',
      inject: async (lab) => lab.rpcProxy.setMode('blackhole'),
      heal: async (lab) => lab.rpcProxy.setMode('open'),
      bit: saw503,
    })

    scenario({
      name: 'the RPC resets every connection',
      inject: async (lab) => lab.rpcProxy.setMode('reset'),
      heal: async (lab) => lab.rpcProxy.setMode('open'),
      bit: saw503,
    })

    scenario({
      name: 'the RPC answers malformed JSON',
      inject: async (lab) => lab.rpcProxy.setMode('garbage', { garbage: malformedJson }),
      heal: async (lab) => lab.rpcProxy.setMode('open'),
      bit: saw503,
    })

    scenario({
      name: 'the RPC answers for the wrong chain',
      inject: async (lab) =>
        lab.rpcProxy.setTarget({
          host: '127.0.0.1',
          port: Number(new URL(lab.otherChain.rpcUrl).port),
        }),
      heal: async (lab) =>
        lab.rpcProxy.setTarget({ host: '127.0.0.1', port: Number(new URL(lab.node.rpcUrl).port) }),
      // chain-evm asks eth_chainId in every verification batch: 503, never a 402 verdict from the
      // other chain's (missing) record.
      bit: saw503,
    })

    it('logs one decision line per answer, agreeing with onPaid and /metrics, without secrets', async () => {
      for (const api of lab.apis) {
        const metrics = await (await fetch(`${api.url}/metrics`)).text()
        const served = Number(
          /tx402_payments_total\{chain="base",outcome="served"\} (\d+)/.exec(metrics)?.[1] ?? 0,
        )
        const decisions = api.lines.filter((line) => line.msg === 'tx402: payment decision')
        const paid = api.lines.filter((line) => line.event === 'paid')
        assert.ok(paid.length > 0, `${api.name} served payments`)
        assert.equal(decisions.filter((line) => line.outcome === 'served').length, paid.length)
        assert.equal(served, paid.length, `${api.name}: /metrics counts what onPaid saw`)
        const counted = [...metrics.matchAll(/tx402_payments_total\{[^}]*\} (\d+)/g)].reduce(
          (sum, match) => sum + Number(match[1]),
          0,
        )
        assert.equal(
          counted,
          decisions.length,
          `${api.name}: one decision line per counted payment`,
        )
      }
      const secrets = lab.secrets.filter(
        (s) => s.startsWith('rpc-key') || s.startsWith('reliability-secret'),
      )
      for (const api of lab.everyApi) {
        assert.deepEqual(api.otherOutput, [], `${api.name} wrote only JSON lines`)
        const text = JSON.stringify(api.lines)
        for (const secret of secrets)
          assert.ok(!text.includes(secret), `${api.name} logged a secret`)
      }
    })
  },
)

// Prepaid credit under ledger faults (docs/protocol.md section 7.3): a spend whose ledger fails
// is answered 503 and spends nothing; once the ledger is back, the balance is whole.
describeWithServices(
  'fault injection: spending prepaid credit while PostgreSQL fails',
  ['postgres', 'redis'],
  function () {
    this.timeout(120_000)
    let lab: AnvilCredit
    let proxy: TcpProxy
    let ledger: ReturnType<typeof redisPostgresLedger>
    let app: Awaited<ReturnType<typeof listenCreditApp>>
    const secret = 'credit-fault-secret-at-least-32-bytes!!'

    before(async () => {
      lab = await startAnvilCredit()
      await prepareDatabase()
      proxy = await tcpProxy(postgresServer)
      ledger = redisPostgresLedger({
        redis: 'redis://127.0.0.1:6379',
        db: databaseUrl(proxy.port),
        keyPrefix: `tx402creditfault:${Date.now()}:`,
        logger: { info() {}, warn() {}, error() {} },
      })
      app = await listenCreditApp({ chain: lab.chain(), ledger, secret, claimTtlMs: 1_000 })
    })
    after(async () => {
      await app?.close()
      await ledger?.close()
      await proxy?.close()
      await lab?.close()
    })

    for (const mode of ['refuse', 'blackhole', 'reset'] as const) {
      it(`answers 503 and spends nothing when PostgreSQL is cut off (${mode}), then serves from a whole balance`, async () => {
        const { credit } = await payFor(lab, app.url, 110_000n)
        assert.ok(credit)
        const id = JSON.parse(Buffer.from(credit.token.split('.')[1]!, 'base64url').toString())[0]
        const remaining = async () => (await ledger.credit!.find(id))?.remaining
        for (let i = 0; i < 100 && (await remaining()) !== 100_000n; i++) await sleep(20)
        proxy.setMode(mode)
        const rpcBefore = lab.rpcCalls
        const during = await fetch(app.url, {
          headers: { 'x-payment-credit': credit.token },
          signal: AbortSignal.timeout(30_000),
        })
        assert.equal(during.status, 503)
        assert.equal(((await during.json()) as { error: string }).error, 'verifier_unavailable')
        assert.equal(lab.rpcCalls, rpcBefore)
        proxy.setMode('open')
        // An owed release (if the reserve landed and its answer was lost) lands in the background.
        for (let i = 0; i < 250 && (await remaining()) !== 100_000n; i++) await sleep(20)
        assert.equal(await remaining(), 100_000n)
        const after = await fetch(app.url, { headers: { 'x-payment-credit': credit.token } })
        assert.equal(after.status, 200)
      })
    }
  },
)
