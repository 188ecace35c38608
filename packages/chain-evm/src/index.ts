export type { EvmChainPlugin } from './evmChain.js'
export { evmChain } from './evmChain.js'
export type { EvmPreset, EvmPresetOptions } from './fromPreset.js'
export { fromPreset } from './fromPreset.js'
export { normalizeTxId } from './normalizeTxId.js'
export type { TransferFacts } from './readTransferLogs.js'
export { readTransferLogs } from './readTransferLogs.js'
export type {
  EvmAsset,
  EvmChainConfig,
  EvmChainOptions,
  Finality,
  InternalTransfers,
} from './resolveOptions.js'
export { resolveOptions } from './resolveOptions.js'
export type { VerifySettings } from './verifyPayment.js'
export { verifyPayment } from './verifyPayment.js'
export { verifyProof } from './verifyProof.js'
