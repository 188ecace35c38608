import type { RawBody } from '../rawHttp.js'

/** Real transactions and challenges the generator mixes into its requests. */
export interface HostileMaterial {
  /** A payment already served once: every presentation is a replay. */
  servedTx: string
  /** A real payment to the server, never presented validly: only ever sent with a spoiler. */
  unusedTx: string
  /** A real transfer of the token to someone else. */
  wrongRecipientTx: string
  /** Genuine challenge ids of `GET` and `POST /api/paid`, and of another route. */
  challenges: { get: string[]; post: string[]; otherRoute: string[] }
  /**
   * Signed by the server for this route, issued after the unused payment landed: the transaction
   * predates the challenge it would answer (`tx_too_old`, docs/protocol.md section 4).
   */
  laterChallenge: string
  /** Well formed, signed by another secret. */
  foreignChallenge: string
}

/** What a correct server may answer: statuses, and `error` codes when the body is JSON. */
export interface Expected {
  statuses: readonly number[]
  errors?: readonly string[]
}

/** One generated request. */
export interface HostileRequest {
  index: number
  category: string
  method: 'GET' | 'POST' | 'HEAD'
  /** Path and query. */
  target: string
  /** In order; a name may repeat. */
  headers: [name: string, value: string | Buffer][]
  /** Sent byte for byte over a socket (fetch would refuse or normalize it). */
  raw: boolean
  /** Raw only: bytes of the request head, verbatim (broken framing included). */
  head?: Buffer
  body?: RawBody
  /** A small body fetch sends. */
  text?: string
  expected: Expected
  /** Size of the request head: past Node's 16 KiB limit, 431 is the HTTP server's own answer. */
  headBytes: number
}

/** Node's default `maxHeaderSize`. */
export const nodeMaxHeaderBytes = 16_384

/**
 * The request line and headers of `request`, as sent on a raw connection: `extraLine` verbatim
 * after the headers (broken framing), then the body's framing header.
 *
 * @example const head = requestHead(request, Buffer.from('Content-Length: abc'))
 */
export function requestHead(request: HostileRequest, extraLine: Buffer | undefined): Buffer {
  const parts: Buffer[] = [
    Buffer.from(
      `${request.method} ${request.target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n`,
    ),
  ]
  for (const [name, value] of request.headers) {
    parts.push(
      Buffer.from(`${name}: `),
      typeof value === 'string' ? Buffer.from(value, 'latin1') : value,
      Buffer.from('\r\n'),
    )
  }
  if (extraLine) parts.push(extraLine, Buffer.from('\r\n'))
  if (request.body) {
    parts.push(
      Buffer.from(
        request.body.chunked
          ? 'Transfer-Encoding: chunked\r\n'
          : `Content-Length: ${request.body.bytes}\r\n`,
      ),
    )
  }
  parts.push(Buffer.from('\r\n'))
  return Buffer.concat(parts)
}
