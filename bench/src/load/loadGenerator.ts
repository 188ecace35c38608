import { type Child, startChild } from '../infra/children.js'
import type { AutocannonSpec, LoadResult, ProbeResult, ProbeSpec } from './loadSpec.js'

/** A load-generator process: autocannon runs and paid-request probes, one at a time. */
export interface LoadGenerator {
  run(spec: Omit<AutocannonSpec, 'kind'>): Promise<LoadResult>
  probe(spec: Omit<ProbeSpec, 'kind'>): Promise<ProbeResult>
  stop(): Promise<void>
}

/**
 * Starts a load-generator process (see `loadWorker.ts`).
 *
 * @example const load = await startLoadGenerator(); const { rps } = await load.run({ urls: [url], connections: 32, durationSec: 3 })
 */
export async function startLoadGenerator(name = 'load generator'): Promise<LoadGenerator> {
  const child: Child = await startChild(new URL('./loadWorker.ts', import.meta.url), {}, { name })
  return {
    run: async (spec) =>
      (
        await child.request<{ type: string; result: LoadResult }>({
          type: 'run',
          spec: { ...spec, kind: 'autocannon' },
        })
      ).result,
    probe: async (spec) =>
      (
        await child.request<{ type: string; result: ProbeResult }>({
          type: 'run',
          spec: { ...spec, kind: 'probe' },
        })
      ).result,
    stop: () => child.stop(),
  }
}
