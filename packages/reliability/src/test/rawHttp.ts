import { createConnection, type Socket } from 'node:net'

/** What came back on a raw connection. */
export interface RawAnswer {
  /** Status of the first response, if one arrived. */
  status?: number
  /** Every byte received, as latin1 (one char per byte). */
  text: string
  /** Set when the connection failed before any response arrived. */
  error?: string
}

/** A body to send after the head: `bytes` of filler, or chunks of `chunked` encoding. */
export interface RawBody {
  bytes: number
  chunked?: boolean
}

const filler = Buffer.alloc(64 * 1024, 'x')

/**
 * Sends bytes exactly as given (header values fetch would refuse: control bytes, non-ASCII,
 * duplicates, broken framing) on a fresh loopback connection, then a body if asked, and reads
 * until the server closes or `timeoutMs`. Stops sending the body once a response has arrived.
 *
 * @example const answer = await rawRequest(port, Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'))
 */
export function rawRequest(
  port: number,
  head: Buffer,
  options: { body?: RawBody; timeoutMs?: number } = {},
): Promise<RawAnswer> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port })
    const chunks: Buffer[] = []
    let settled = false
    const finish = (error?: string) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      socket.destroy()
      const text = Buffer.concat(chunks).toString('latin1')
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1]
      resolve({
        text,
        ...(status ? { status: Number(status) } : {}),
        ...(!status && error ? { error } : {}),
      })
    }
    const timer = setTimeout(() => finish('timeout'), options.timeoutMs ?? 10_000)
    socket.on('data', (chunk) => chunks.push(chunk))
    socket.on('error', (error: NodeJS.ErrnoException) => finish(error.code ?? error.message))
    socket.on('close', () => finish('closed'))
    socket.on('connect', async () => {
      socket.write(head)
      const body = options.body
      if (!body) return
      let left = body.bytes
      while (left > 0 && chunks.length === 0 && !socket.destroyed) {
        const size = Math.min(left, filler.length)
        const piece = filler.subarray(0, size)
        const more = body.chunked
          ? socket.write(Buffer.concat([Buffer.from(`${size.toString(16)}\r\n`), piece, crlf]))
          : socket.write(piece)
        left -= size
        if (!more) await drained(socket)
      }
      if (body.chunked && left === 0 && !socket.destroyed) socket.write('0\r\n\r\n')
    })
  })
}

const crlf = Buffer.from('\r\n')

function drained(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      socket.off('drain', done)
      socket.off('close', done)
      resolve()
    }
    socket.on('drain', done)
    socket.on('close', done)
  })
}
