import { base64 } from '@scure/base'
import { BaseError } from '../errors.js'
import { base64OfText } from './base64Text.js'

/**
 * Encodes a value as standard base64 of its UTF-8 JSON, the form of the `PAYMENT-REQUIRED` and
 * `PAYMENT-RESPONSE` headers. Works in Node and in browsers.
 *
 * @example encodeBase64Json({ success: true }) // 'eyJzdWNjZXNzIjp0cnVlfQ=='
 */
export function encodeBase64Json(value: unknown): string {
  return base64OfText(JSON.stringify(value))
}

/**
 * Decodes standard base64 of UTF-8 JSON; throws a `BaseError` on anything else.
 *
 * @example decodeBase64Json<{ success: boolean }>(header).success
 */
export function decodeBase64Json<T = unknown>(encoded: string): T {
  try {
    const bytes = base64.decode(encoded)
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) as T
  } catch (cause) {
    throw new BaseError('Header is not base64-encoded JSON.', { cause })
  }
}
