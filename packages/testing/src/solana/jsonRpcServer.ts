import { createServer, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'

/** A JSON-RPC error answered as `{ error: { code, message, data } }`, as a Solana node does. */
export class JsonRpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message)
  }
}

/** Answers one call; throw `JsonRpcError` for an error response. */
export type JsonRpcHandler = (method: string, params: unknown[]) => unknown

/** A JSON-RPC endpoint on a loopback port. */
export interface JsonRpcServer {
  /** `http://127.0.0.1:<port>` */
  url: string
  /** While stalled, requests are held unanswered (an RPC that hangs); `false` answers them. */
  stall(stalled: boolean): void
  close(): Promise<void>
}

/**
 * Serves `handler` over HTTP POST on 127.0.0.1 at a free port, with JSON-RPC 2.0 single and batch
 * requests. Test support only.
 *
 * @example const server = await serveJsonRpc((method) => (method === 'getSlot' ? 1 : null))
 */
export async function serveJsonRpc(handler: JsonRpcHandler): Promise<JsonRpcServer> {
  let stalled = false
  const held: Array<() => void> = []
  const sockets = new Set<Socket>()

  const answer = (response: ServerResponse, body: string): void => {
    if (stalled) {
      held.push(() => answer(response, body))
      return
    }
    let parsed: unknown
    try {
      parsed = JSON.parse(body)
    } catch {
      send(response, failure(null, new JsonRpcError(-32700, 'Parse error')))
      return
    }
    const reply = Array.isArray(parsed) ? parsed.map((call) => one(call)) : one(parsed)
    send(response, reply)
  }

  const one = (call: unknown): object => {
    const { id = null, method, params = [] } = (call ?? {}) as Record<string, unknown>
    if (typeof method !== 'string' || !Array.isArray(params)) {
      return failure(id, new JsonRpcError(-32600, 'Invalid request'))
    }
    try {
      return { jsonrpc: '2.0', result: handler(method, params) ?? null, id }
    } catch (error) {
      if (error instanceof JsonRpcError) return failure(id, error)
      return failure(id, new JsonRpcError(-32603, `Internal error: ${String(error)}`))
    }
  }

  const server = createServer((request, response) => {
    if (request.method !== 'POST') {
      response.writeHead(405).end()
      return
    }
    let body = ''
    request.setEncoding('utf8')
    request.on('data', (chunk: string) => {
      body += chunk
    })
    request.on('end', () => answer(response, body))
  })
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo

  return {
    url: `http://127.0.0.1:${port}`,
    stall(value) {
      stalled = value
      if (!value) for (const resume of held.splice(0)) resume()
    },
    async close() {
      held.length = 0
      // Keep-alive and held connections would keep `close` waiting forever.
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

function failure(id: unknown, error: JsonRpcError): object {
  const body: Record<string, unknown> = { code: error.code, message: error.message }
  if (error.data !== undefined) body.data = error.data
  return { jsonrpc: '2.0', error: body, id }
}

function send(response: ServerResponse, reply: unknown): void {
  if (response.destroyed) return
  response.writeHead(200, { 'content-type': 'application/json' })
  response.end(JSON.stringify(reply))
}
