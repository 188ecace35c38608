import type { AddressInfo } from 'node:net'
import { createInterface } from 'node:readline'
import type Koa from 'koa'

/**
 * Serves `app` on a free loopback port as a child API process of the suite: calls `onListening`
 * with the port, passes each stdin line to `onCommand`, and on SIGTERM or when stdin closes (its
 * parent is gone) drops every connection, closes the ledger and exits 0.
 *
 * @example serveApiProcess({ app, ledger, onListening: (port) => line({ event: 'listening', port }) })
 */
export function serveApiProcess(options: {
  app: Koa
  ledger: { close(): Promise<void> }
  /** Default: a free one. */
  port?: number
  onListening: (port: number) => void
  onCommand?: (line: string) => void
}): void {
  const { app, ledger, onListening, onCommand } = options
  const server = app.listen(options.port ?? 0, '127.0.0.1')
  server.once('listening', () => {
    onListening((server.address() as AddressInfo).port)
  })
  const shutdown = async () => {
    server.closeAllConnections()
    server.close()
    await ledger.close()
    process.exit(0)
  }
  process.once('SIGTERM', () => void shutdown())
  const commands = createInterface({ input: process.stdin })
  if (onCommand) commands.on('line', onCommand)
  commands.once('close', () => void shutdown())
}
