import assert from 'node:assert/strict'
import { errorNamed, findError, isViemError } from './foreignError.js'

/** An error as another copy of a library makes it: a class this package never imported. */
function foreign(name: string, fields: Record<string, unknown> = {}, cause?: unknown): Error {
  const error = new Error(`${name} happened`, cause === undefined ? undefined : { cause })
  error.name = name
  return Object.assign(error, fields)
}

describe('errors of another copy of a library, by what they are', () => {
  it('finds an error by name anywhere in the cause chain', () => {
    const inner = foreign('TransactionNotFoundError')
    const outer = foreign(
      'ContractFunctionExecutionError',
      {},
      foreign('CallExecutionError', {}, inner),
    )
    assert.equal(errorNamed(outer, 'TransactionNotFoundError'), inner)
    assert.equal(errorNamed(outer, 'HttpRequestError'), undefined)
    assert.equal(errorNamed('a string', 'TransactionNotFoundError'), undefined)
  })

  it('matches on fields, and stops on a cause chain that loops', () => {
    const looped = foreign('RpcRequestError', { code: -32601 })
    ;(looped as { cause?: unknown }).cause = looped
    assert.equal(
      findError(looped, (e) => e.code === -32601),
      looped,
    )
    assert.equal(
      findError(looped, (e) => e.code === 429),
      undefined,
    )
  })

  it("knows viem's errors by their BaseError shape, not by class", () => {
    const viemLike = foreign('TimeoutError', {
      shortMessage: 'The request took too long.',
      version: '2.23.2',
      walk() {
        return this
      },
    })
    assert.equal(isViemError(viemLike), true)
    assert.equal(isViemError(foreign('TimeoutError')), false)
    assert.equal(isViemError(undefined), false)
  })
})
