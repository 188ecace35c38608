import { once } from 'node:events'
import { createConnection, createServer, type Socket } from 'node:net'

/**
 * How a `tcpProxy` treats connections:
 * - `open`: forwards both ways;
 * - `refuse`: accepts and closes at once (a server that went down);
 * - `reset`: takes the request, then answers a TCP RST (connection reset by peer);
 * - `blackhole`: accepts and never answers (a hung server: the client times out);
 * - `garbage`: answers the first bytes received with `garbage` and closes;
 * - `latency`: forwards both ways, every chunk `latencyMs` late;
 * - `mute`: forwards requests, loses every reply (the server acts, the client never hears).
 */
export type ProxyMode = 'open' | 'refuse' | 'reset' | 'blackhole' | 'garbage' | 'latency' | 'mute'

/** Where a proxy forwards to. */
export interface ProxyTarget {
  host: string
  port: number
}

/** Settings of the `garbage` and `latency` modes. */
export interface ProxyModeOptions {
  /** What `garbage` answers. Default: 64 bytes of 0xff. */
  garbage?: string | Uint8Array
  /** The delay of `latency`, in ms. Default 200. */
  latencyMs?: number
  /**
   * Keep open connections (they carry on in the new mode) instead of dropping them. Default
   * false. Only `open`, `latency` and `mute` apply to a connection already forwarded.
   */
  keepConnections?: boolean
}

/** A running loopback proxy. */
export interface TcpProxy {
  /** Its loopback port (host `127.0.0.1`). */
  readonly port: number
  /** The current mode. */
  readonly mode: ProxyMode
  /** Connections accepted so far, in every mode: tells a test that a fault was met. */
  readonly accepted: number
  /** Switches mode and drops every open connection, as the fault would (unless kept). */
  setMode(mode: ProxyMode, options?: ProxyModeOptions): void
  /** Forwards to another server from now on (an RPC of another chain…); drops open connections. */
  setTarget(target: ProxyTarget): void
  /** Stops listening and drops every connection. Safe to call twice. */
  close(): Promise<void>
}

/**
 * A loopback TCP proxy in front of a server, to make it fail on demand without stopping it:
 * Redis, PostgreSQL or an RPC node behind it can be cut off, hung, reset, answered with garbage,
 * slowed down, or swapped for another server. Protocol-blind: it never parses what it carries.
 *
 * @example
 * const proxy = await tcpProxy({ host: '127.0.0.1', port: 5432 })
 * after(() => proxy.close())
 * proxy.setMode('refuse') // PostgreSQL is "down" for every client that goes through the proxy
 * proxy.setMode('open')
 */
export async function tcpProxy(target: ProxyTarget): Promise<TcpProxy> {
  let upstream = target
  let mode: ProxyMode = 'open'
  let modeOptions: ProxyModeOptions = {}
  let accepted = 0
  let closed = false
  const sockets = new Set<Socket>()
  const track = (socket: Socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    // A reset or dropped peer is what these modes are for, not an error of the proxy.
    socket.on('error', () => {})
  }

  // Each chunk is relayed by the mode of the moment, so a kept connection changes with it.
  const relay = (from: Socket, to: Socket, reply: boolean) =>
    from.on('data', (chunk) => {
      if (reply && mode === 'mute') return
      const latencyMs = mode === 'latency' ? (modeOptions.latencyMs ?? 200) : 0
      // Timers of one duration fire in the order they were set, so the bytes keep their order.
      if (latencyMs > 0) setTimeout(() => to.destroyed || to.write(chunk), latencyMs)
      else if (!to.destroyed) to.write(chunk)
    })
  const forward = (client: Socket) => {
    const server = createConnection(upstream)
    track(server)
    relay(client, server, false)
    relay(server, client, true)
    client.on('close', () => server.destroy())
    server.on('close', () => client.destroy())
  }

  const listener = createServer((client) => {
    accepted++
    track(client)
    switch (mode) {
      case 'open':
      case 'latency':
      case 'mute':
        return forward(client)
      case 'refuse':
        return client.destroy()
      case 'blackhole':
        return client.resume()
      case 'reset':
        return client.once('data', () => client.resetAndDestroy())
      case 'garbage': {
        const reply = modeOptions.garbage ?? new Uint8Array(64).fill(0xff)
        return client.once('data', () => client.end(reply))
      }
    }
  })
  listener.listen(0, '127.0.0.1')
  await once(listener, 'listening')
  const address = listener.address()
  if (!address || typeof address === 'string') throw new Error('the proxy has no port')
  const dropAll = () => {
    for (const socket of sockets) socket.destroy()
  }

  return {
    port: address.port,
    get mode() {
      return mode
    },
    get accepted() {
      return accepted
    },
    setMode(next, options = {}) {
      mode = next
      modeOptions = options
      if (!options.keepConnections) dropAll()
    },
    setTarget(next) {
      upstream = next
      dropAll()
    },
    async close() {
      if (closed) return
      closed = true
      dropAll()
      listener.close()
      await once(listener, 'close')
    },
  }
}
