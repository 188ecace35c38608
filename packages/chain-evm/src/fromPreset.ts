import { ConfigurationError } from '@tx402/core'
import { type EvmChainPlugin, evmChain } from './evmChain.js'
import type { EvmChainOptions } from './resolveOptions.js'

/** A chain's defaults as plain data: what `evmChain` needs except the RPC and the payee. */
export type EvmPreset = Omit<EvmChainOptions, 'rpcUrls' | 'payTo'>

/**
 * Options of a preset factory such as `base(…)`: `payTo`, one `rpcUrl` or several `rpcUrls`, and
 * an override of any preset field (another network id, a test token in `assets`…); an override
 * that is `undefined` keeps the preset's value.
 */
export type EvmPresetOptions = { [K in keyof EvmPreset]?: EvmPreset[K] | undefined } & {
  payTo: string
  rpcUrl?: string | undefined
  rpcUrls?: readonly string[] | undefined
}

/**
 * Builds a chain plugin from a preset and the caller's options; every preset field can be
 * overridden. Giving both `rpcUrl` and `rpcUrls`, or neither, fails with `ConfigurationError`.
 *
 * @example
 * export const base = (options: EvmPresetOptions) => fromPreset(basePresets['eip155:8453'], options)
 */
export function fromPreset(preset: EvmPreset, options: EvmPresetOptions): EvmChainPlugin {
  if (!options || typeof options !== 'object') {
    throw new ConfigurationError(`${preset.name} needs an options object with payTo and rpcUrl.`)
  }
  const { rpcUrl, rpcUrls, ...overrides } = options
  if (rpcUrl !== undefined && rpcUrls !== undefined) {
    throw new ConfigurationError(`${preset.name}: give rpcUrl or rpcUrls, not both.`)
  }
  if (rpcUrl === undefined && rpcUrls === undefined) {
    throw new ConfigurationError(`${preset.name}: an RPC URL is required (rpcUrl or rpcUrls).`)
  }
  return evmChain({
    ...preset,
    ...withoutUndefined(overrides),
    payTo: options.payTo,
    rpcUrls: rpcUrls ?? [rpcUrl as string],
  })
}

// `{ confirmations: undefined }` keeps the preset's value rather than erasing it.
function withoutUndefined<T extends object>(value: T): Partial<EvmPreset> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined))
}
