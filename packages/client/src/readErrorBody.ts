import {
  type AcceptOption,
  decodeBase64Json,
  type ErrorBody,
  errorStatus,
  type PaymentRequiredBody,
} from '@tx402/core/protocol'

/**
 * Reads a tx402 error body from a response: its JSON body (text or already parsed), or, when the
 * body is not one, the base64 `PAYMENT-REQUIRED` header. Undefined when neither is a tx402 error
 * (a route's own 404 or 500). `accepts` entries that are not well formed are dropped.
 *
 * @example readErrorBody(await res.text(), res.headers.get('payment-required'))
 */
export function readErrorBody(
  body: unknown,
  paymentRequiredHeader?: string | null,
): ErrorBody | undefined {
  const fromBody = toErrorBody(typeof body === 'string' ? parseJson(body) : body)
  if (fromBody && (fromBody.error !== 'payment_required' || isPaymentRequiredBody(fromBody))) {
    return fromBody
  }
  if (paymentRequiredHeader) {
    try {
      const fromHeader = toErrorBody(decodeBase64Json(paymentRequiredHeader))
      if (fromHeader) return fromHeader
    } catch {
      // A malformed header is ignored: the body, if any, still counts.
    }
  }
  return fromBody
}

/**
 * True when the body carries a challenge and something to pay: a 402 body the client can act on.
 *
 * @example if (body && isPaymentRequiredBody(body)) pay(body.accepts)
 */
export function isPaymentRequiredBody(body: ErrorBody): body is PaymentRequiredBody {
  return typeof body.challenge?.id === 'string' && (body.accepts?.length ?? 0) > 0
}

function toErrorBody(value: unknown): ErrorBody | undefined {
  if (!isObject(value)) return undefined
  const { error, message } = value
  if (typeof error !== 'string' || !Object.hasOwn(errorStatus, error)) return undefined
  const body: ErrorBody = {
    error: error as ErrorBody['error'],
    message: typeof message === 'string' ? message : '',
  }
  const { resource, cost, challenge, accepts } = value
  if (
    isObject(resource) &&
    typeof resource.method === 'string' &&
    typeof resource.path === 'string'
  ) {
    body.resource = { method: resource.method, path: resource.path }
  }
  if (isObject(cost) && typeof cost.amount === 'string' && typeof cost.currency === 'string') {
    body.cost = { amount: cost.amount, currency: cost.currency }
  }
  if (isObject(challenge) && typeof challenge.id === 'string' && challenge.id.length > 0) {
    body.challenge = {
      id: challenge.id,
      expiresAt: typeof challenge.expiresAt === 'string' ? challenge.expiresAt : '',
    }
  }
  if (Array.isArray(accepts)) body.accepts = accepts.filter(isAcceptOption)
  return body
}

function isAcceptOption(value: unknown): value is AcceptOption {
  if (!isObject(value)) return false
  const { chain, network, asset, amount, payTo } = value
  if (typeof chain !== 'string' || typeof network !== 'string' || !network.includes(':')) {
    return false
  }
  if (typeof amount !== 'string' || !/^[1-9][0-9]*$/.test(amount) || typeof payTo !== 'string') {
    return false
  }
  if (!isObject(asset) || typeof asset.symbol !== 'string') return false
  if (!Number.isInteger(asset.decimals) || (asset.decimals as number) < 0) return false
  if (asset.standard === 'erc20') return typeof asset.address === 'string'
  if (asset.standard === 'spl') return typeof asset.mint === 'string'
  return asset.standard === 'native'
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}
