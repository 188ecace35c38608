import { once } from 'node:events'
import { type AddressInfo, createConnection, createServer, type Socket } from 'node:net'

/** A loopback HTTP proxy that loses replies the server sent. */
export interface LossyProxy {
  /** `http://127.0.0.1:<port>`: the origin to call instead of the server's. */
  origin: string
  /** Replies lost so far. */
  readonly lost: number
  close(): Promise<void>
}

/**
 * A TCP proxy in front of an HTTP server that loses the first `count` successful replies (status
 * line `HTTP/1.x 2..`): the server wrote them whole to its socket, so it counts them delivered,
 * and the client sees its connection closed without an answer, as when a network path breaks
 * after the server sent. Every other byte is forwarded as is.
 *
 * @example const proxy = await lossyProxy(app.origin, 1) // the first paid 200 never arrives
 */
export async function lossyProxy(target: string, count: number): Promise<LossyProxy> {
  const { hostname, port } = new URL(target)
  let lost = 0
  const sockets = new Set<Socket>()
  const track = (socket: Socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => {})
  }
  const server = createServer((client) => {
    const upstream = createConnection({ host: hostname, port: Number(port) })
    track(client)
    track(upstream)
    client.pipe(upstream)
    let dropping = false
    upstream.on('data', (chunk: Buffer) => {
      if (
        !dropping &&
        lost < count &&
        /^HTTP\/1\.[01] 2\d\d /.test(chunk.toString('latin1', 0, 16))
      ) {
        lost++
        dropping = true
      }
      if (dropping) {
        // The client's connection breaks; the server's side is read to its end (it wrote the
        // whole reply), and closed a moment later.
        if (!client.destroyed) {
          client.destroy()
          setTimeout(() => upstream.destroy(), 1_000).unref()
        }
        return
      }
      client.write(chunk)
    })
    upstream.on('end', () => client.end())
    client.on('close', () => {
      if (!dropping) upstream.destroy()
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const address = server.address() as AddressInfo
  return {
    origin: `http://127.0.0.1:${address.port}`,
    get lost() {
      return lost
    },
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      }),
  }
}
