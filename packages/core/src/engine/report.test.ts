import assert from 'node:assert/strict'
import { VerifierUnavailableError } from '../errors.js'
import type { PaymentDecision } from './observer.js'
import type { PaidOutcome } from './outcome.js'
import { reporter } from './report.js'

const paid = (): PaidOutcome => ({
  type: 'paid',
  payment: {
    chain: 'testnet',
    network: 'eip155:31337',
    transaction: '0x1',
    payer: '0xaa',
    payTo: '0xbb',
    asset: { standard: 'native', symbol: 'ETH', decimals: 18 },
    amount: 1n,
  },
  headers: {},
  confirm: async () => undefined,
  settle: async () => {},
  finish: async () => undefined,
})

describe('reporter (step 6)', () => {
  const setup = () => {
    const decisions: PaymentDecision[] = []
    const errors: object[] = []
    const hooks: string[] = []
    const report = reporter({
      logger: { info() {}, warn() {}, error: (line) => void errors.push(line) },
      observer: { decision: (d) => void decisions.push(d) },
      hooks: {
        onPaid: (receipt) => void hooks.push(`paid ${receipt.transaction}`),
        onRejected: (d) => void hooks.push(`rejected ${d.outcome}`),
      },
    })
    return { report, decisions, errors, hooks }
  }

  it("turns a fault into 503 verifier_unavailable, waiting the RPC's own back-off, and logs it without secrets", () => {
    const { report, errors } = setup()
    const refusal = report.fault(
      'rpc',
      { chain: 'testnet' },
      new VerifierUnavailableError('rate limited at https://rpc.example/KEY', {
        retryAfterSeconds: 7,
      }),
    )
    assert.deepEqual([refusal.refuse, refusal.retryAfterSeconds], ['verifier_unavailable', 7])
    assert.equal(report.fault('ledger', {}, new Error('x')).retryAfterSeconds, 2)
    assert.equal(errors.length, 2)
  })

  it('reports a paid outcome once, when it ends, and calls onPaid only for a served one', async () => {
    const { report, decisions, hooks } = setup()
    const served = paid()
    report.decided(served, { transaction: '0x1' }, 'GET /x', 0)
    assert.equal(decisions.length, 0, 'nothing decided before it ends')
    // paidOutcome calls `ended` once, however it ends (paidOutcome.ts).
    report.ended(served.payment, { transaction: '0x1' }, 'GET /x', 0, undefined, true)
    report.ended(paid().payment, {}, 'GET /x', 0, undefined, false)
    assert.deepEqual(
      decisions.map((d) => [d.outcome, d.status]),
      [
        ['served', 200],
        ['released', 0],
      ],
    )
    assert.deepEqual(hooks, ['paid 0x1'])
  })
})
