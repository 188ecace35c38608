// Statuses whose Response carries no body (Fetch standard, "null body status").
const nullBodyStatus = new Set([101, 103, 204, 205, 304])

/**
 * Reads a fetch `Response` to its end and returns an equal `Response` over the bytes read: a
 * connection lost mid-body fails here, while the payment flow can still send the same headers
 * again, rather than in the caller's hands after the payment was settled. `url` and `redirected`
 * are kept. A response without a body (HEAD, 204, a browser's opaque redirect) is returned as is.
 *
 * @example const paid = await receiveWhole(await fetch(request))
 */
export async function receiveWhole(response: Response): Promise<Response> {
  if (!response.body || response.status < 200 || nullBodyStatus.has(response.status)) {
    return response
  }
  const whole = new Response(await response.arrayBuffer(), {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  })
  Object.defineProperties(whole, {
    url: { value: response.url },
    redirected: { value: response.redirected },
  })
  return whole
}
