import { once } from 'node:events'
import { createConnection, createServer, type Socket } from 'node:net'

/** How the proxy treats connections: forward them, refuse them, or swallow them unanswered. */
export type ProxyMode = 'open' | 'refuse' | 'blackhole'

/**
 * A loopback TCP proxy in front of a server, to cut it off without stopping it (others use it).
 * Changing the mode drops every open connection.
 */
export async function tcpProxy(target: { host: string; port: number }): Promise<{
  port: number
  setMode(mode: ProxyMode): void
  close(): Promise<void>
}> {
  let mode: ProxyMode = 'open'
  const sockets = new Set<Socket>()
  const track = (socket: Socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => {})
  }
  const server = createServer((client) => {
    track(client)
    if (mode === 'refuse') return client.destroy()
    if (mode === 'blackhole') return client.resume()
    const upstream = createConnection(target)
    track(upstream)
    client.pipe(upstream).pipe(client)
    client.on('close', () => upstream.destroy())
    upstream.on('close', () => client.destroy())
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const address = server.address()
  if (!address || typeof address === 'string') throw new Error('no port')
  return {
    port: address.port,
    setMode(next) {
      mode = next
      for (const socket of sockets) socket.destroy()
    },
    async close() {
      for (const socket of sockets) socket.destroy()
      server.close()
      await once(server, 'close')
    },
  }
}
