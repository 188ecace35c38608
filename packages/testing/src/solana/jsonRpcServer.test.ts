import assert from 'node:assert/strict'
import { JsonRpcError, type JsonRpcServer, serveJsonRpc } from './jsonRpcServer.js'

describe('serveJsonRpc', () => {
  let server: JsonRpcServer

  before(async () => {
    server = await serveJsonRpc((method, params) => {
      if (method === 'echo') return params[0]
      if (method === 'nothing') return undefined
      throw new JsonRpcError(-32601, 'Method not found', { method })
    })
  })
  after(() => server.close())

  const post = async (body: string) => {
    const response = await fetch(server.url, { method: 'POST', body })
    return response.json()
  }

  it('listens on a loopback port and answers single and batch calls with their ids', async () => {
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/)
    assert.deepEqual(await post('{"jsonrpc":"2.0","id":7,"method":"echo","params":[1]}'), {
      jsonrpc: '2.0',
      result: 1,
      id: 7,
    })
    assert.deepEqual(
      await post('[{"id":1,"method":"echo","params":["a"]},{"id":2,"method":"nothing"}]'),
      [
        { jsonrpc: '2.0', result: 'a', id: 1 },
        { jsonrpc: '2.0', result: null, id: 2 },
      ],
    )
  })

  it('answers errors in JSON-RPC form: thrown, malformed JSON, malformed call', async () => {
    assert.deepEqual(await post('{"id":3,"method":"other","params":[]}'), {
      jsonrpc: '2.0',
      error: { code: -32601, message: 'Method not found', data: { method: 'other' } },
      id: 3,
    })
    assert.equal(((await post('{nope')) as { error: { code: number } }).error.code, -32700)
    assert.equal(
      ((await post('{"id":4,"params":[]}')) as { error: { code: number } }).error.code,
      -32600,
    )
  })
})
