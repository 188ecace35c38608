import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'

/** An error answered as a JSON-RPC `error` object. */
export class JsonRpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message)
  }
}

/** Answers one JSON-RPC call: returns its `result`, or throws `JsonRpcError`. */
export type JsonRpcAnswer = (method: string, params: readonly unknown[]) => unknown

/** A running loopback JSON-RPC server. */
export interface JsonRpcServer {
  /** `http://127.0.0.1:<port>`. */
  url: string
  /** The methods of each HTTP request received, in order: one entry per round trip. */
  requests: string[][]
  close(): Promise<void>
}

/** Options of `serveJsonRpc`. */
export interface ServeJsonRpcOptions {
  /**
   * Refuse batches of more than `max` calls, as providers do: `'http-400'` answers HTTP 400 with a
   * -32600 error (free tiers that take no batches, `max: 1`); `'json-rpc-error'` answers HTTP 200
   * with one -32600 error object in place of the array. Refusals are recorded in `requests` as
   * `refused batch of N`.
   */
  batchLimit?: { max: number; answer: 'http-400' | 'json-rpc-error' }
}

/**
 * Test support, not a node: a JSON-RPC endpoint on a free loopback port that answers each call
 * (single or batched) with `answer`. Used to serve recorded mainnet data from fixture files, and
 * to count the HTTP round trips a client makes.
 *
 * @example
 * const server = await serveJsonRpc((method) => (method === 'eth_chainId' ? '0xa86a' : null))
 * after(() => server.close())
 */
export async function serveJsonRpc(
  answer: JsonRpcAnswer,
  options: ServeJsonRpcOptions = {},
): Promise<JsonRpcServer> {
  const requests: string[][] = []
  const server = createServer(async (req, res) => {
    let body: unknown
    try {
      body = JSON.parse(await readBody(req))
    } catch {
      res.writeHead(400).end()
      return
    }
    const limit = options.batchLimit
    if (limit && Array.isArray(body) && body.length > limit.max) {
      requests.push([`refused batch of ${body.length}`])
      const refusal = {
        jsonrpc: '2.0',
        id: null,
        error: { code: -32600, message: `Batch of more than ${limit.max} requests is not allowed` },
      }
      res.writeHead(limit.answer === 'http-400' ? 400 : 200, { 'content-type': 'application/json' })
      res.end(JSON.stringify(refusal))
      return
    }
    const calls = (Array.isArray(body) ? body : [body]) as {
      id?: unknown
      method?: unknown
      params?: unknown
    }[]
    requests.push(calls.map((call) => String(call.method)))
    const replies = await Promise.all(
      calls.map(async (call) => {
        try {
          const params = Array.isArray(call.params) ? call.params : []
          const result = await answer(String(call.method), params)
          return { jsonrpc: '2.0', id: call.id, result: result ?? null }
        } catch (error) {
          const code = error instanceof JsonRpcError ? error.code : -32603
          const message = error instanceof Error ? error.message : 'internal error'
          return { jsonrpc: '2.0', id: call.id, error: { code, message } }
        }
      }),
    )
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify(Array.isArray(body) ? replies : replies[0]))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

/**
 * An answer that forwards each call to a real node: put `serveJsonRpc` in front of anvil to count
 * the round trips a client makes. Calls for which `refuse(method)` is true fail instead, with a
 * JSON-RPC internal error, as an overloaded provider answers: a node that fails on demand.
 *
 * @example
 * let down = false
 * const proxy = await serveJsonRpc(forwardJsonRpc(node.rpcUrl, { refuse: () => down }))
 */
export function forwardJsonRpc(
  url: string,
  options: { refuse?: (method: string) => boolean } = {},
): JsonRpcAnswer {
  return async (method, params) => {
    if (options.refuse?.(method)) throw new JsonRpcError(-32603, 'upstream unavailable')
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    })
    const body = (await response.json()) as {
      result?: unknown
      error?: { code: number; message: string }
    }
    if (body.error) throw new JsonRpcError(body.error.code, body.error.message)
    return body.result
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}
