import type { ServerResponse } from 'node:http'
import { ConfigurationError } from '@tx402/core'
import onFinished from 'on-finished'

/**
 * When a paid response is charged (docs/protocol.md section 6.1):
 * - `'firstByte'` (the default): once its first body byte was handed to the open connection,
 *   unless the server's own side failed (the body stream errored, the response was destroyed
 *   with an error other than the client leaving); a client that leaves mid-body has consumed
 *   the payment and gets the answer again by re-delivery (6.2). A response without a body
 *   (HEAD, 204, 304) is charged once it was handed over whole.
 * - `'delivered'`: only once the whole response was handed to the socket. A client that reads
 *   all but the last byte and drops the connection pays nothing, and can do so again with the
 *   same payment: choose it only where a partial body is worth nothing.
 */
export type ChargeRule = 'firstByte' | 'delivered'

/** The rule `charge` names, checked at setup. @throws ConfigurationError for another value. */
export function chargeRule(charge: unknown): ChargeRule {
  if (charge === undefined) return 'firstByte'
  if (charge === 'firstByte' || charge === 'delivered') return charge
  throw new ConfigurationError(
    `The option "charge" must be 'firstByte' or 'delivered', got ${JSON.stringify(charge)}.`,
  )
}

// What Node reports when the client went away; believed only with the connection itself gone: a
// body stream or a route throws the same codes for its upstream (a proxied response whose server
// died is ECONNRESET "aborted"), which is the server's side failing.
const clientGoneCodes = new Set([
  'ECONNRESET',
  'EPIPE',
  'ECONNABORTED',
  'ERR_STREAM_PREMATURE_CLOSE',
  'ERR_STREAM_DESTROYED',
])
const clientGone = (error: unknown) =>
  clientGoneCodes.has(String((error as { code?: unknown } | undefined)?.code))

/** What `watchDelivery` returns. */
export interface DeliveryWatch {
  /** A stream Koa will write as the body: its own error is the server's failure. */
  watchBody(body: unknown): void
  /**
   * The route that writes the response itself threw: the server's failure unless the client had
   * already left (a pipeline into a closed response rejects too). Ends a response left open.
   */
  routeFailed(error: unknown): void
  /** Calls `ended(charged)` once, when the response ended, per the rule. */
  onEnded(ended: (charged: boolean) => void): void
}

/**
 * Watches one response from before the route runs, whoever writes it (Koa after the middleware
 * chain, or the route itself through `ctx.res` with `ctx.respond = false`), and says at its end
 * whether it is charged under `rule`. Judged by the response and its socket, never by
 * `ctx.writable` (false both when the client left and when the route already ended it).
 *
 * @example
 * const watch = watchDelivery(ctx.res, 'firstByte', (status) => status < 400)
 * await next()
 * watch.onEnded((charged) => void outcome.settle(charged))
 */
export function watchDelivery(
  res: ServerResponse,
  rule: ChargeRule,
  // Whether the answer with this status is one that is charged (below 400, and not a safe
  // method's redirect within its host: docs/protocol.md 6.3).
  chargedAnswer: (status: number) => boolean = (status) => status < 400,
): DeliveryWatch {
  let bodyHanded = false
  let bufferedBody = false
  let serverFailed = false
  let closed = false
  res.once('close', () => {
    closed = true
  })

  const hasBody = () =>
    res.req.method !== 'HEAD' && res.statusCode !== 204 && res.statusCode !== 304
  // A body byte counts once it is handed to a connection still open: from then on the client
  // can read it, whatever it does next.
  const noteChunk = (chunk: unknown) => {
    if (bodyHanded || !chunk || typeof (chunk as { length?: unknown }).length !== 'number') return
    if ((chunk as { length: number }).length === 0 || !hasBody()) return
    const socket = res.socket
    if (socket) {
      if (!socket.destroyed && socket.writable) bodyHanded = true
      return
    }
    // No socket yet: a request pipelined behind another on one connection (HTTP/1.1) is
    // answered into Node's buffer, which is handed over, unseen by write(), once the response
    // before it finished and this one gets the socket.
    bufferedBody = true
  }
  res.once('socket', (socket) => {
    if (bufferedBody && !bodyHanded && !socket.destroyed && socket.writable) bodyHanded = true
  })
  // The client's connection is gone (closed, or no longer writable). An error's code alone
  // never says the client left: a proxied upstream's failure shares it (ECONNRESET "aborted").
  const connectionGone = () =>
    closed || res.socket?.destroyed === true || res.socket?.writable === false
  const write = res.write
  const end = res.end
  const destroy = res.destroy
  res.write = function (this: ServerResponse, chunk: unknown, ...rest: unknown[]) {
    noteChunk(chunk)
    return (write as (...args: unknown[]) => boolean).call(this, chunk, ...rest)
  } as ServerResponse['write']
  res.end = function (this: ServerResponse, chunk?: unknown, ...rest: unknown[]) {
    if (typeof chunk !== 'function') noteChunk(chunk)
    return (end as (...args: unknown[]) => ServerResponse).call(this, chunk, ...rest)
  } as ServerResponse['end']
  // Destroyed with an error while the client is still connected (a pipeline whose source broke
  // destroys its destination before it rejects): the server's side failed.
  res.destroy = function (this: ServerResponse, error?: Error) {
    if (error && !connectionGone() && !res.writableEnded) serverFailed = true
    return destroy.call(this, error)
  } as ServerResponse['destroy']

  const serverSideError = (error: unknown) => {
    // After the client left, or once the response was ended whole, nothing failed on our side.
    if (closed || res.writableEnded || (clientGone(error) && connectionGone())) return
    serverFailed = true
    // Koa 2 pipes a stream body and leaves the response open when it errors after the headers:
    // end it, so the client sees a cut answer rather than waiting, and the payment settles now.
    if (res.headersSent && !res.destroyed) destroy.call(res)
  }

  return {
    watchBody(body) {
      const stream = body as {
        on?: unknown
        once?: (event: string, f: (e: unknown) => void) => void
      }
      if (typeof stream?.on === 'function' && typeof stream.once === 'function') {
        stream.once('error', serverSideError)
      }
    },
    routeFailed: serverSideError,
    onEnded(ended) {
      onFinished(res, (error) => {
        res.write = write
        res.end = end
        res.destroy = destroy
        if (error && !clientGone(error)) serverFailed = true
        const whole = !error && res.writableFinished
        const served = chargedAnswer(res.statusCode)
        if (rule === 'delivered') return ended(served && whole && !serverFailed)
        ended(served && !serverFailed && (whole || bodyHanded))
      })
    },
  }
}
