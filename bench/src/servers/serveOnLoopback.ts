import { createServer, type RequestListener } from 'node:http'
import type { AddressInfo } from 'node:net'

/** A bench app listening on loopback. */
export interface LoopbackServer {
  url: string
  /** Body bytes of one 402 from `/paid`, read once at start. */
  challengeBytes: number
  close(): Promise<void>
}

/**
 * Serves a Koa or Express app on a free loopback port with long keep-alive (load generators
 * reuse connections), and reads one 402 of its `/paid` route, so its bare route can answer as
 * many body bytes.
 *
 * @example const server = await serveOnLoopback(app.callback()); bare = paddedBody(server.challengeBytes)
 */
export async function serveOnLoopback(listener: RequestListener): Promise<LoopbackServer> {
  const server = createServer(listener)
  server.keepAliveTimeout = 60_000
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', resolve)
  })
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const first = await fetch(`${url}/paid`)
  const body = await first.text()
  if (first.status !== 402) throw new Error(`/paid answered ${first.status}, not 402: ${body}`)
  return {
    url,
    challengeBytes: body.length,
    close: async () => {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    },
  }
}
