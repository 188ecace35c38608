export { base, baseSepolia } from './base.js'
export { basePresets } from './presets.js'
