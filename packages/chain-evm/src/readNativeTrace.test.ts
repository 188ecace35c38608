import assert from 'node:assert/strict'
import type { Address } from 'viem'
import { readNativeTrace } from './readNativeTrace.js'

const payTo = '0x000000000000000000000000000000000000bEEF' as Address
const payee = payTo.toLowerCase()
const walletA = '0x00000000000000000000000000000000000000aa'
const walletB = '0x00000000000000000000000000000000000000bb'
const eoa = '0x00000000000000000000000000000000000000ee'

describe('readNativeTrace (call trace shapes of geth callTracer and Parity trace_transaction)', () => {
  it('sums value to payTo per immediate sender, skipping DELEGATECALL, STATICCALL and CALLCODE', () => {
    const read = readNativeTrace(
      'debug_traceTransaction',
      {
        type: 'CALL',
        from: eoa,
        to: walletA,
        value: '0x0',
        calls: [
          { type: 'CALL', from: walletA, to: payee, value: '0x64' },
          // callTracer repeats the caller's value on a DELEGATECALL: nothing moves.
          { type: 'DELEGATECALL', from: walletA, to: payee, value: '0x64' },
          { type: 'STATICCALL', from: walletA, to: payee },
          { type: 'CALLCODE', from: walletA, to: payee, value: '0x64' },
          {
            type: 'CALL',
            from: walletA,
            to: walletB,
            value: '0x10',
            calls: [{ type: 'CALL', from: walletB, to: payee, value: '0x10' }],
          },
          { type: 'SELFDESTRUCT', from: walletB, to: payee, value: '0x1' },
        ],
      },
      payTo,
    )
    assert.equal(read.received, 0x64n + 0x10n + 1n)
    assert.deepEqual(
      read.transfers.map(({ payer, amount }) => [payer.toLowerCase(), amount]),
      [
        [walletA, 0x64n],
        [walletB, 0x11n],
      ],
    )
  })

  it('counts nothing under a callTracer frame that reverted, at any depth', () => {
    const read = readNativeTrace(
      'debug_traceTransaction',
      {
        type: 'CALL',
        from: eoa,
        to: walletA,
        value: '0x5',
        calls: [
          {
            type: 'CALL',
            from: walletA,
            to: walletB,
            value: '0x5',
            error: 'execution reverted',
            calls: [{ type: 'CALL', from: walletB, to: payee, value: '0x5' }],
          },
        ],
      },
      payTo,
    )
    assert.equal(read.received, 0n)
    assert.deepEqual(read.transfers, [])
    assert.equal(read.movedElsewhere, true)
  })

  it('counts nothing under a Parity trace address that reverted, and counts a suicide refund', () => {
    const read = readNativeTrace(
      'trace_transaction',
      [
        {
          type: 'call',
          action: { callType: 'call', from: eoa, to: walletA, value: '0x9' },
          traceAddress: [],
        },
        {
          type: 'call',
          action: { callType: 'call', from: walletA, to: walletB, value: '0x4' },
          error: 'Reverted',
          traceAddress: [0],
        },
        {
          type: 'call',
          action: { callType: 'call', from: walletB, to: payee, value: '0x4' },
          traceAddress: [0, 0],
        },
        {
          type: 'call',
          action: { callType: 'delegatecall', from: walletA, to: payee, value: '0x9' },
          traceAddress: [1],
        },
        {
          type: 'call',
          action: { callType: 'call', from: walletA, to: payee, value: '0x3' },
          traceAddress: [2],
        },
        {
          type: 'suicide',
          action: { address: walletB, refundAddress: payee, balance: '0x2' },
          traceAddress: [3],
        },
      ],
      payTo,
    )
    assert.equal(read.received, 5n)
    assert.deepEqual(
      read.transfers.map((transfer) => transfer.amount),
      [3n, 2n],
    )
  })

  it('throws TypeError for a trace of another shape (read as an RPC fault)', () => {
    assert.throws(() => readNativeTrace('debug_traceTransaction', null, payTo), TypeError)
    assert.throws(() => readNativeTrace('trace_transaction', { calls: [] }, payTo), TypeError)
    assert.throws(
      () =>
        readNativeTrace(
          'debug_traceTransaction',
          { type: 'CALL', from: eoa, to: payee, value: 1.5 },
          payTo,
        ),
      TypeError,
    )
  })
})
