import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { JsonRpcServer } from '@tx402/testing/evm'

/**
 * A counting JSON-RPC proxy that forwards each HTTP request's body to `upstream` as it came (a
 * batch stays one batch, as a provider receives it) and answers the node's reply unchanged.
 * `requests` records the methods of each request received (one entry per round trip), as
 * `serveJsonRpc` does. testing/evm's `forwardJsonRpc` sends each call of a batch upstream as a
 * request of its own, which made a verification's batch of three cost three node round trips
 * in the bench while its floor's single receipt cost one.
 *
 * @example const proxy = await passThroughProxy(node.rpcUrl); rpcCounter(proxy)
 */
export async function passThroughProxy(upstream: string): Promise<JsonRpcServer> {
  const requests: string[][] = []
  const server = createServer(async (req, res) => {
    const body = await readBody(req)
    let calls: unknown
    try {
      calls = JSON.parse(body)
    } catch {
      res.writeHead(400).end()
      return
    }
    const list = (Array.isArray(calls) ? calls : [calls]) as { method?: unknown }[]
    requests.push(list.map((call) => String(call?.method)))
    try {
      const answer = await fetch(upstream, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      })
      const text = await answer.text()
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(text)
    } catch {
      res.writeHead(502).end()
    }
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

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}
