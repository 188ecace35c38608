// The load generator, in its own process so it never shares an event loop with a server.
import { randomBytes } from 'node:crypto'
import autocannon from 'autocannon'
import { serveParent } from '../infra/childSide.js'
import type {
  AutocannonSpec,
  Headers,
  LoadResult,
  LoadSpec,
  ProbeResult,
  ProbeSpec,
} from './loadSpec.js'

serveParent(
  {},
  {
    run: async (message) => {
      const spec = message.spec as LoadSpec
      return { result: spec.kind === 'probe' ? await probe(spec) : await load(spec) }
    },
  },
  async () => {},
)

async function load(spec: AutocannonSpec): Promise<LoadResult> {
  const latencies: number[] = []
  const errorCodes: Record<string, number> = {}
  let next = 0
  const headersOf = (): Headers => {
    const headers: Headers = { ...spec.headers }
    if (spec.headerSets) Object.assign(headers, spec.headerSets[next++ % spec.headerSets.length])
    if (spec.randomTxOnChain) {
      headers['x-payment-tx'] = `0x${randomBytes(32).toString('hex')}`
      headers['x-payment-chain'] = spec.randomTxOnChain
      // A well-formed signature by nobody in particular: it passes the header checks, so the hash
      // reaches the chain, as an attacker's would on a route that demands a proof.
      headers['x-payment-proof'] = `0x${randomBytes(65).toString('hex')}`
    }
    return headers
  }
  const perRequest = Boolean(spec.headerSets || spec.randomTxOnChain)
  const started = performance.now()
  let instance: autocannon.Instance | undefined
  const finished = new Promise<autocannon.Result>((resolve, reject) => {
    instance = autocannon(options(), (error, result) => (error ? reject(error) : resolve(result)))
  })
  if (spec.latencies) {
    instance!.on('response', (_client, _status, _bytes, responseTime: number) => {
      latencies.push(responseTime)
    })
  }
  const result = await finished
  const durationSec = (performance.now() - started) / 1000
  const statusCounts: Record<string, number> = {}
  for (const [status, { count }] of Object.entries(result.statusCodeStats ?? {})) {
    statusCounts[status] = count ?? 0
  }
  const completed = result.requests.total ?? 0
  return {
    completed,
    durationSec,
    rps: completed / durationSec,
    statusCounts,
    errorCodes,
    ...(spec.latencies ? { latencies } : {}),
    socketErrors: result.errors,
    timeouts: result.timeouts ?? 0,
  }

  function options(): autocannon.Options {
    return {
      // autocannon takes an array of URLs (connections go to each in turn); its types do not say so.
      url: (spec.urls.length === 1 ? spec.urls[0]! : spec.urls) as string,
      connections: spec.connections,
      ...(spec.amount !== undefined
        ? { amount: spec.amount }
        : { duration: spec.durationSec ?? 5 }),
      timeout: 30,
      headers: spec.headers ?? {},
      requests: [
        {
          method: 'GET',
          ...(perRequest
            ? {
                setupRequest: (request: autocannon.Request) => ({
                  ...request,
                  headers: headersOf(),
                }),
              }
            : {}),
          ...(spec.tallyErrors
            ? {
                onResponse: (status: number, body: string) => {
                  if (status < 400) return
                  let code = `${status}`
                  try {
                    code = String((JSON.parse(body) as { error?: unknown }).error ?? code)
                  } catch {}
                  errorCodes[code] = (errorCodes[code] ?? 0) + 1
                },
              }
            : {}),
        },
      ],
    }
  }
}

async function probe(spec: ProbeSpec): Promise<ProbeResult> {
  const requests: ProbeResult['requests'] = []
  for (const headers of spec.headerSets) {
    const started = performance.now()
    let attempts = 0
    let status = 0
    let error: string | undefined
    while (attempts < spec.maxAttempts) {
      attempts++
      const response = await fetch(spec.url, { headers })
      status = response.status
      const body = await response.text()
      if (status !== 409 && status !== 429) {
        error = status >= 400 ? errorOf(body) : undefined
        break
      }
      const wait = Number(response.headers.get('retry-after') ?? '1') * 1000
      await new Promise((resolve) => setTimeout(resolve, Math.min(wait, spec.maxRetryWaitMs)))
    }
    requests.push({
      ms: performance.now() - started,
      attempts,
      status,
      ...(error ? { error } : {}),
    })
  }
  return { requests }
}

function errorOf(body: string): string {
  try {
    return String((JSON.parse(body) as { error?: unknown }).error)
  } catch {
    return body.slice(0, 80)
  }
}
