import { request } from 'node:http'
import { decodeBase64Json, type PaymentResponse } from '@tx402/core'

/** Where a client leaves a paid streamed response. */
export type DropPoint =
  | { at: 'before-headers' }
  | { at: 'body-byte'; bytes: number }
  | { at: 'never' }

/** What one request saw before it ended or left. */
export interface StreamAttempt {
  status: number | 'no answer'
  /** `error` of a refusal's JSON body. */
  error?: string | undefined
  /** PAYMENT-RESPONSE said `redelivered`. */
  redelivered: boolean
  /** Body bytes read before leaving (or all of them). */
  bodyBytes: number
  /** The whole body arrived. */
  whole: boolean
}

/**
 * GETs `url` with `headers` and leaves at `drop`: right after sending the request, once
 * `bytes` body bytes arrived, or never (reads it all). Gives up after `timeoutMs` (a hung answer
 * is then `no answer`), so a run is bounded in time.
 *
 * @example const seen = await getAndDrop(url, headers, { at: 'body-byte', bytes: 300 })
 */
export function getAndDrop(
  url: string,
  headers: Record<string, string>,
  drop: DropPoint,
  timeoutMs = 10_000,
): Promise<StreamAttempt> {
  return new Promise((resolve) => {
    const seen: StreamAttempt = {
      status: 'no answer',
      redelivered: false,
      bodyBytes: 0,
      whole: false,
    }
    let done = false
    const finish = () => {
      if (done) return
      done = true
      clearTimeout(timer)
      req.destroy()
      resolve(seen)
    }
    const timer = setTimeout(finish, timeoutMs)
    const req = request(url, { headers, agent: false }, (res) => {
      seen.status = res.statusCode ?? 0
      const receipt = res.headers['payment-response']
      if (typeof receipt === 'string') {
        seen.redelivered = decodeBase64Json<PaymentResponse>(receipt).redelivered === true
      }
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => {
        if (seen.status !== 200) {
          chunks.push(chunk)
          return
        }
        seen.bodyBytes += chunk.length
        if (drop.at === 'body-byte' && seen.bodyBytes >= drop.bytes) finish()
      })
      res.on('end', () => {
        seen.whole = true
        if (seen.status !== 200) {
          try {
            seen.error = (JSON.parse(Buffer.concat(chunks).toString()) as { error?: string }).error
          } catch {
            // Not JSON: the tally reports the status.
          }
        }
        finish()
      })
      res.on('error', finish)
    })
    req.on('error', finish)
    req.end(() => {
      if (drop.at === 'before-headers') finish()
    })
  })
}
