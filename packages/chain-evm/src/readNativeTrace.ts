import { type Address, getAddress, type Hex, hexToBigInt, isAddress, isAddressEqual } from 'viem'

/** A tracing method an RPC offers: geth's `debug_traceTransaction` (callTracer) or Parity's `trace_transaction`. */
export type NativeTracer = 'debug_traceTransaction' | 'trace_transaction'

/** What a transaction's call trace moved to `payTo` in native coin: facts, judged by the engine. */
export interface NativeTransferFacts {
  /** Base units (wei) `payTo` received, summed over calls that did not revert; 0 when none. */
  received: bigint
  /** Each immediate sender's own total to `payTo`, in the order first seen. */
  transfers: { payer: Address; amount: bigint }[]
  /** Native coin moved, by calls that did not revert, only to addresses other than `payTo`. */
  movedElsewhere: boolean
}

/** One value move of a trace, with whether it (or a call it ran inside) reverted. */
interface ValueMove {
  from: string
  to: string
  value: bigint
  reverted: boolean
}

/** A frame of geth's callTracer (`debug_traceTransaction` with `{ tracer: 'callTracer' }`). */
interface CallFrame {
  type?: string
  from?: string
  to?: string
  value?: string
  error?: string
  calls?: CallFrame[]
}

/** An entry of Parity's `trace_transaction` (Erigon, Nethermind, reth, Besu, anvil). */
interface ParityTrace {
  type?: string
  action?: {
    callType?: string
    from?: string
    to?: string
    value?: string
    address?: string
    refundAddress?: string
    balance?: string
  }
  result?: { address?: string } | null
  error?: string
  traceAddress?: number[]
}

// Only these move value to the frame's `to`: a DELEGATECALL or STATICCALL moves none (callTracer
// repeats the caller's value on a DELEGATECALL), and CALLCODE's value stays with the caller.
const valueCallTypes = new Set(['CALL', 'CREATE', 'CREATE2', 'SELFDESTRUCT'])

/**
 * Reads the native coin a transaction moved to `payTo` from its call trace, as returned by
 * `tracer`. Counted: value-carrying calls (CALL, CREATE, CREATE2, SELFDESTRUCT, and the
 * transaction's own value as the top frame) to `payTo` that did not revert, and none of whose
 * enclosing calls reverted: a reverted call moved nothing, whatever it called. Summed in total and
 * per immediate sender (a smart wallet's `execute` is credited to the wallet). Throws `TypeError`
 * when the trace is not of the expected shape (the caller treats it as an RPC fault).
 *
 * @example readNativeTrace('debug_traceTransaction', await client.request(...), payTo).received // 1000n
 */
export function readNativeTrace(
  tracer: NativeTracer,
  trace: unknown,
  payTo: Address,
): NativeTransferFacts {
  const moves = tracer === 'debug_traceTransaction' ? callTracerMoves(trace) : parityMoves(trace)
  let received = 0n
  let movedElsewhere = false
  const byPayer = new Map<Address, bigint>()
  for (const move of moves) {
    if (move.reverted || move.value === 0n) continue
    if (!isAddress(move.to, { strict: false }) || !isAddress(move.from, { strict: false })) {
      throw new TypeError('trace frame without addresses')
    }
    if (!isAddressEqual(move.to as Address, payTo)) {
      movedElsewhere = true
      continue
    }
    received += move.value
    const payer = getAddress(move.from)
    byPayer.set(payer, (byPayer.get(payer) ?? 0n) + move.value)
  }
  const transfers = [...byPayer].map(([payer, amount]) => ({ payer, amount }))
  return { received, transfers, movedElsewhere: movedElsewhere && transfers.length === 0 }
}

function callTracerMoves(trace: unknown): ValueMove[] {
  if (!isObject(trace)) throw new TypeError('callTracer answered no frame')
  const moves: ValueMove[] = []
  const visit = (frame: CallFrame, parentReverted: boolean): void => {
    const reverted = parentReverted || Boolean(frame.error)
    const type = String(frame.type ?? '').toUpperCase()
    if (valueCallTypes.has(type) && frame.value !== undefined) {
      moves.push({
        from: String(frame.from),
        to: String(frame.to),
        value: quantity(frame.value),
        reverted,
      })
    }
    for (const child of frame.calls ?? []) {
      if (!isObject(child)) throw new TypeError('callTracer frame is not an object')
      visit(child as CallFrame, reverted)
    }
  }
  visit(trace as CallFrame, false)
  return moves
}

function parityMoves(trace: unknown): ValueMove[] {
  if (!Array.isArray(trace)) throw new TypeError('trace_transaction answered no list')
  const entries = trace as ParityTrace[]
  // Children of a reverted call carry no error of their own: a trace address under a reverted
  // one's address reverted too.
  const revertedAt = entries.filter((entry) => entry.error).map((entry) => entry.traceAddress ?? [])
  const underRevert = (address: number[]) =>
    revertedAt.some(
      (prefix) =>
        prefix.length <= address.length && prefix.every((step, index) => address[index] === step),
    )
  const moves: ValueMove[] = []
  for (const entry of entries) {
    const action = entry?.action
    if (!isObject(action)) throw new TypeError('trace entry malformed')
    const reverted = underRevert(entry.traceAddress ?? [])
    if (entry.type === 'call' && (action.callType ?? 'call') === 'call') {
      moves.push({
        from: String(action.from),
        to: String(action.to),
        value: quantity(action.value),
        reverted,
      })
    } else if (entry.type === 'create' && entry.result?.address) {
      moves.push({
        from: String(action.from),
        to: entry.result.address,
        value: quantity(action.value),
        reverted,
      })
    } else if (entry.type === 'suicide' || entry.type === 'selfdestruct') {
      moves.push({
        from: String(action.address),
        to: String(action.refundAddress),
        value: quantity(action.balance),
        reverted,
      })
    }
  }
  return moves
}

function quantity(value: unknown): bigint {
  if (value === undefined || value === null) return 0n
  if (typeof value !== 'string' || !/^0x[0-9a-f]*$/i.test(value)) {
    throw new TypeError('trace value is not a hex quantity')
  }
  return value === '0x' ? 0n : hexToBigInt(value as Hex)
}

function isObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null
}
