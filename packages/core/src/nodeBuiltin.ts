/**
 * A Node built-in module (`node:crypto`, `node:buffer`) when the code runs on Node 20.16 or later,
 * `undefined` elsewhere: through `process.getBuiltinModule`, so no `node:` import ever reaches a
 * browser bundle, which then takes its pure-JS path.
 *
 * @example const crypto = nodeBuiltin<typeof import('node:crypto')>('node:crypto')
 */
export function nodeBuiltin<M>(id: `node:${string}`): M | undefined {
  const host = globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }
  return host.process?.getBuiltinModule?.(id) as M | undefined
}
