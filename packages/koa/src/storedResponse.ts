import { headerNames, type StoredResponse } from '@tx402/core'
import type { Context } from 'koa'

/**
 * The response the route produced, as bytes, to keep for its re-delivery; `undefined` when it
 * is a stream or its body exceeds `maxBytes` (its re-delivery is then refused). A JSON body is
 * serialized here as Koa would (`JSON.stringify`), and `ctx.body` is set to those bytes, so what
 * is sent is exactly what is kept. Throws what `JSON.stringify` throws (a `bigint` in the body).
 */
export function captureResponse(ctx: Context, maxBytes: number): StoredResponse | undefined {
  const body: unknown = ctx.body
  let bytes: Buffer
  if (body === null || body === undefined) bytes = Buffer.alloc(0)
  else if (Buffer.isBuffer(body)) bytes = body
  else if (typeof body === 'string') bytes = Buffer.from(body)
  else if (typeof (body as { pipe?: unknown }).pipe === 'function') return undefined
  else {
    bytes = Buffer.from(JSON.stringify(body))
    ctx.body = bytes
  }
  if (bytes.length > maxBytes) return undefined
  const headers: Record<string, string | string[]> = {}
  for (const [name, value] of Object.entries(ctx.response.headers)) {
    if (value === undefined || name === headerNames.paymentResponse) continue
    headers[name] = Array.isArray(value) ? value : String(value)
  }
  return { status: ctx.status, headers, body: new Uint8Array(bytes) }
}

/** Writes a kept response back as it was: status, headers and the same body bytes. */
export function writeStoredResponse(ctx: Context, response: StoredResponse): void {
  ctx.status = response.status
  for (const [name, value] of Object.entries(response.headers)) ctx.set(name, value)
  ctx.body = Buffer.from(response.body)
}

/** Removes every header the route set, so a 503 that replaces its answer exposes none of it. */
export function clearResponse(ctx: Context): void {
  for (const name of ctx.res.getHeaderNames()) ctx.res.removeHeader(name)
  ctx.body = null
}
