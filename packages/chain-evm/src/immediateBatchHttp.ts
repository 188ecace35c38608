import {
  createTransport,
  type EIP1193RequestFn,
  type HttpTransport,
  type HttpTransportConfig,
  RpcRequestError,
  UrlRequiredError,
} from 'viem'
import { getHttpRpcClient } from 'viem/utils'

/** Options of `immediateBatchHttp`: those of viem's `http`, batching always on. */
export type ImmediateBatchHttpConfig = Pick<
  HttpTransportConfig,
  'fetchFn' | 'fetchOptions' | 'retryCount' | 'retryDelay' | 'timeout' | 'key' | 'name'
>

const maxBatch = 1_000
const missingAnswer = { code: -32603, message: 'The node answered no result for this call.' }

/** A JSON-RPC answer as the node sends it. */
interface RpcAnswer {
  id?: number | string | null
  result?: unknown
  error?: { code: number; message: string; data?: unknown }
}

interface Queued {
  body: { id: number; method: string; params?: unknown }
  resolve(answer: RpcAnswer): void
  reject(error: unknown): void
}

/**
 * viem's `http` transport with `batch: true`, except when a batch leaves: viem's batch scheduler
 * waits for a `setTimeout(…, 0)`, which Node runs after at least 1 ms (about a third of one
 * receipt round trip on loopback); this one sends the calls made in the same turn of the event
 * loop with `setImmediate`, once every promise chain of that turn has run (so calls started
 * together in a `Promise.all` still leave as one batch), with no timer. Timeouts, retries
 * (`retryCount`, `retryDelay`), `fetchFn` and the errors thrown (`RpcRequestError`,
 * `HttpRequestError`, `TimeoutError`) are viem's own (`getHttpRpcClient`, `createTransport`), so
 * `fallback` and the fault mapping see no difference.
 *
 * @example createPublicClient({ transport: immediateBatchHttp(url, { timeout: 10_000, retryCount: 1, fetchFn }) })
 */
export function immediateBatchHttp(
  url: string,
  config: ImmediateBatchHttpConfig = {},
): HttpTransport {
  const { fetchFn, fetchOptions, retryDelay, key = 'http', name = 'HTTP JSON-RPC' } = config
  return (({ retryCount: retryCount_, timeout: timeout_ } = {}) => {
    if (!url) throw new UrlRequiredError()
    const retryCount = config.retryCount ?? retryCount_
    const timeout = timeout_ ?? config.timeout ?? 10_000
    const rpcClient = getHttpRpcClient(url, { fetchFn, fetchOptions, timeout })
    let queue: Queued[] = []
    let nextId = 0

    const send = async (calls: Queued[]) => {
      try {
        const data = (await rpcClient.request({
          body: calls.map((call) => call.body) as never,
        })) as unknown as RpcAnswer[] | RpcAnswer
        const answers = Array.isArray(data) ? data : [data]
        // Ids compared as text: a gateway that echoes 7 as "7" still answers call 7 (viem's own
        // batch, sorting answers by id numerically, took them too).
        const byId = new Map(answers.map((answer) => [idText(answer?.id), answer]))
        // A batch refused as a whole is an error without an id (viem repeats it per call).
        const whole = answers.find((answer) => answer?.id == null && answer?.error)
        for (const call of calls) {
          // Matched by id only: an answer taken by position could be another call's.
          const answer = byId.get(idText(call.body.id)) ?? whole
          if (answer) call.resolve(answer)
          else call.reject(new RpcRequestError({ body: call.body, error: missingAnswer, url }))
        }
      } catch (error) {
        for (const call of calls) call.reject(error)
      }
    }

    return createTransport(
      {
        key,
        name,
        // viem types `request` per method; the node's answer is passed on as it came.
        request: (async ({ method, params }: { method: string; params?: unknown }) => {
          const body = { id: ++nextId, method, params }
          const answer = await new Promise<RpcAnswer>((resolve, reject) => {
            if (queue.length === 0) {
              setImmediate(() => {
                const calls = queue
                queue = []
                // As viem's `batchSize` default: at most 1,000 calls per HTTP request.
                for (let at = 0; at < calls.length; at += maxBatch) {
                  void send(calls.slice(at, at + maxBatch))
                }
              })
            }
            queue.push({ body, resolve, reject })
          })
          if (answer?.error) throw new RpcRequestError({ body, error: answer.error, url })
          return answer?.result
        }) as EIP1193RequestFn,
        retryCount,
        retryDelay,
        timeout,
        type: 'http',
      },
      { fetchOptions, url },
    )
  }) as HttpTransport
}

function idText(id: RpcAnswer['id']): string | undefined {
  return id == null ? undefined : String(id)
}
