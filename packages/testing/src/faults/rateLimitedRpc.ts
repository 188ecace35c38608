import { createServer } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'

/** How a `rateLimitedRpc` refuses: as HTTP 429, or as a JSON-RPC error in a 200. */
export type RateLimitAnswer =
  | { kind: 'http-429'; retryAfter?: string }
  | { kind: 'json-rpc'; code: number; data?: unknown }

/** A running rate-limiting endpoint. */
export interface RateLimitedRpc {
  /** `http://127.0.0.1:<port>` */
  url: string
  /** HTTP requests refused so far. */
  refused(): number
  close(): Promise<void>
}

/**
 * An RPC endpoint on a free loopback port that refuses every request as a provider over its
 * rate limit does: HTTP 429 (with `Retry-After` when given), or HTTP 200 with a JSON-RPC error
 * (Infura's -32005 with `data.backoff_seconds`, Alchemy's 429 code) for each call of the request.
 * Test support.
 *
 * @example const rpc = await rateLimitedRpc({ kind: 'http-429', retryAfter: '7' })
 */
export async function rateLimitedRpc(answer: RateLimitAnswer): Promise<RateLimitedRpc> {
  let refused = 0
  const sockets = new Set<Socket>()
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (chunk) => {
      body += chunk
    })
    req.on('end', () => {
      refused++
      if (answer.kind === 'http-429') {
        res.writeHead(429, {
          'content-type': 'application/json',
          ...(answer.retryAfter ? { 'retry-after': answer.retryAfter } : {}),
        })
        res.end(
          JSON.stringify({
            jsonrpc: '2.0',
            id: null,
            error: { code: 429, message: 'Too many requests' },
          }),
        )
        return
      }
      let parsed: unknown
      try {
        parsed = JSON.parse(body)
      } catch {
        parsed = {}
      }
      const error = (call: unknown) => ({
        jsonrpc: '2.0',
        id: (call as { id?: unknown })?.id ?? null,
        error: { code: answer.code, message: 'Request rate exceeded', data: answer.data },
      })
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify(Array.isArray(parsed) ? parsed.map(error) : error(parsed)))
    })
  })
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  server.listen(0, '127.0.0.1')
  await new Promise((resolve) => server.once('listening', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    refused: () => refused,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      }),
  }
}
