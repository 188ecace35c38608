export { avalanche, avalancheFuji } from './avalanche.js'
export { avalanchePresets } from './presets.js'
