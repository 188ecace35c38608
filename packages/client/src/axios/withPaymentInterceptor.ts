import {
  AxiosError,
  AxiosHeaders,
  type AxiosInstance,
  type AxiosResponse,
  type InternalAxiosRequestConfig,
  isCancel,
} from 'axios'
import {
  type PaymentOptions,
  type ResolvedPaymentOptions,
  resolvePaymentOptions,
} from '../paymentOptions.js'
import { maxPaidRedirects, payableOrigin, redirectTarget } from '../redirects.js'
import { requestFingerprint } from '../requestFingerprint.js'
import { type Exchange, type ExchangeResponse, settlePayment } from '../settlePayment.js'

// Marks the requests the interceptor sends itself, so their answers are not intercepted again.
const paying = Symbol('tx402.paying')
type PayingConfig = InternalAxiosRequestConfig & { [paying]?: true }

/**
 * Adds a response interceptor to an axios instance that pays 402s as `callPaidEndpoint` does:
 * a 402 `payment_required` is paid within the spending cap and the request is retried with the
 * payment headers; the paid response resolves the original call. A network error or a timeout
 * (the request's `timeout`) after the payment headers were sent sends the same headers again;
 * a cancelled request stops, keeping the payment journaled for the next call. A 402 from another
 * origin after a redirect throws `CrossOriginRedirectError` unless `allowCrossOriginRedirect`,
 * as in `callPaidEndpoint`. axios is an
 * optional peer dependency, needed only for this entry. Returns the same instance.
 *
 * @example
 * import axios from 'axios'
 * import { withPaymentInterceptor } from '@tx402/client/axios'
 * const api = withPaymentInterceptor(axios.create({ baseURL }), { payers: [evmPayer({ walletClient, publicClient })] })
 * const { data } = await api.get('/api/weather')
 */
export function withPaymentInterceptor<T extends AxiosInstance>(
  instance: T,
  options: PaymentOptions,
): T {
  const resolved = resolvePaymentOptions(options)
  instance.interceptors.response.use(undefined, async (error: unknown) => {
    if (!isAxiosError(error)) throw error
    const { config, response } = error
    if (!config || !response || response.status !== 402 || (config as PayingConfig)[paying]) {
      throw error
    }
    // No DOM lib in the published build: `location` is read as an optional global.
    const { location } = globalThis as { location?: { href: string } }
    const url = new URL(instance.getUri(config), location?.href)
    const result = await settlePayment(
      wrap(response),
      exchangeFor(instance, config, response, resolved, { asked: url, count: 0 }),
      resolved,
    )
    if (result === response) throw error
    // The caller's own notion of success decides, as it would have without the interceptor.
    if (!config.validateStatus || config.validateStatus(result.status)) return result
    throw new AxiosError(
      `Request failed with status code ${result.status}`,
      result.status >= 500 ? AxiosError.ERR_BAD_RESPONSE : AxiosError.ERR_BAD_REQUEST,
      config,
      result.request,
      result,
    )
  })
  return instance
}

/** Where a call started, and the redirects it followed by hand since. */
interface Hop {
  asked: URL
  count: number
}

/** The payment flow's view of one axios request, `response` being its first answer. */
function exchangeFor(
  instance: AxiosInstance,
  config: InternalAxiosRequestConfig,
  response: AxiosResponse,
  resolved: ResolvedPaymentOptions,
  hop: Hop,
): Exchange<AxiosResponse> {
  const { location } = globalThis as { location?: { href: string } }
  const url = new URL(instance.getUri(config), location?.href)
  // Redirected: only a 402 from the asked origin is paid, and the journal names who answered.
  const answered = answeredUrl(response) ?? url.href
  const answeredOrigin = new URL(answered).origin
  return {
    origin: payableOrigin(
      hop.asked,
      { url: answered, redirected: answeredOrigin !== hop.asked.origin },
      resolved.allowCrossOriginRedirect,
    ),
    method: (config.method ?? 'get').toUpperCase(),
    path: new URL(answered).pathname,
    signal: config.signal as AbortSignal | undefined,
    isAbort: (error) => isCancel(error),
    // The body as sent (axios has serialized it); a body of another kind counts as none.
    fingerprint: () => requestFingerprint(config.method ?? 'get', url.href, sentBody(config.data)),
    async send(extra) {
      const headers = new AxiosHeaders(config.headers)
      for (const [name, value] of Object.entries(extra)) headers.set(name, value)
      const retry: PayingConfig = {
        ...config,
        headers,
        validateStatus: () => true,
        // Payment headers never ride a redirect (Node's adapter; a browser's XHR always follows).
        maxRedirects: 0,
        [paying]: true,
      }
      return wrap(await instance.request(retry))
    },
    async follow(redirect, carried) {
      const target = redirectTarget(
        url,
        config.method ?? 'get',
        redirect.status,
        redirect.header('location'),
      )
      const count = hop.count + 1
      if (!target || count > maxPaidRedirects) return redirect.raw
      const headers = new AxiosHeaders(config.headers)
      for (const name of Object.keys(headers.toJSON())) {
        if (name.toLowerCase().startsWith('x-payment-')) headers.delete(name)
      }
      if (!target.keepsBody) headers.delete('content-type')
      // The target's absolute URL as it is: no base URL or query parameters of the first request.
      const { baseURL: _base, params: _params, ...rest } = config
      const next: PayingConfig = {
        ...rest,
        url: target.url.href,
        method: target.method.toLowerCase(),
        data: target.keepsBody ? config.data : undefined,
        headers,
        validateStatus: () => true,
        [paying]: true,
      }
      const first = await instance.request(next)
      const onward = exchangeFor(instance, next, first, resolved, { asked: hop.asked, count })
      return settlePayment(wrap(first), onward, resolved, carried)
    },
  }
}

function wrap(response: AxiosResponse): ExchangeResponse<AxiosResponse> {
  return {
    status: response.status,
    header: (name) => {
      const value = AxiosHeaders.from(response.headers as Record<string, string>).get(name)
      return typeof value === 'string' ? value : null
    },
    body: async () => {
      const { data } = response
      if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) {
        return new TextDecoder().decode(data as ArrayBuffer)
      }
      return data
    },
    discard: () => {},
    raw: response,
  }
}

// The URL that answered after redirects: Node's adapter (follow-redirects) sets
// `request.res.responseUrl`, the browser's XMLHttpRequest `request.responseURL`.
function answeredUrl(response: AxiosResponse): string | undefined {
  const request = response.request as
    | { res?: { responseUrl?: unknown }; responseURL?: unknown }
    | undefined
  const found = request?.res?.responseUrl ?? request?.responseURL
  return typeof found === 'string' && found !== '' ? found : undefined
}

function isAxiosError(error: unknown): error is AxiosError {
  return typeof error === 'object' && error !== null && (error as AxiosError).isAxiosError === true
}

function sentBody(data: unknown): string | ArrayBuffer | Uint8Array | undefined {
  if (typeof data === 'string' || data instanceof ArrayBuffer || data instanceof Uint8Array) {
    return data
  }
  return undefined
}
