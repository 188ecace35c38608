/**
 * A SHA-256 (hex) of what makes a request this request: method, URL and body bytes. Kept with a
 * journaled payment for a method that is not safe, so a replayed response kept for an earlier
 * request (a POST's re-delivery) is never handed to a different one.
 *
 * @example await requestFingerprint('POST', 'https://api.example.com/api/orders', '{"qty":2}')
 */
export async function requestFingerprint(
  method: string,
  url: string,
  body: ArrayBuffer | Uint8Array | string | undefined,
): Promise<string> {
  const head = new TextEncoder().encode(`${method.toUpperCase()} ${url}\n`)
  const tail =
    typeof body === 'string' ? new TextEncoder().encode(body) : new Uint8Array(body ?? [])
  const bytes = new Uint8Array(head.length + tail.length)
  bytes.set(head)
  bytes.set(tail, head.length)
  const digest = await crypto.subtle.digest('SHA-256', bytes)
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('')
}

/** GET and HEAD: a re-delivery runs the route again for them, so any call may take it. */
export function isSafeMethod(method: string): boolean {
  const upper = method.toUpperCase()
  return upper === 'GET' || upper === 'HEAD'
}
