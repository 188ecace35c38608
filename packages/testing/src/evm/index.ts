export { describeWithFixtures, fixturePath, fixturesDir, readFixture } from '../fixtures.js'
export type { CompiledContract, ContractName } from './compileContracts.js'
export { compileContracts } from './compileContracts.js'
export type { TestTokenKind } from './deployTestContracts.js'
export {
  batchPayAbi,
  deployBatchPay,
  deployPayRouter,
  deploySmartWallet,
  deploySmartWalletFactory,
  deployTestToken,
  mintTestToken,
  payRouterAbi,
  smartWalletAbi,
  smartWalletFactoryAbi,
  testTokenAbi,
  transferTestToken,
} from './deployTestContracts.js'
export { describeEvmPayments } from './describeEvmPayments.js'
export type {
  EvmPaymentsSuite,
  EvmTestAsset,
  EvmTestPluginOptions,
} from './evmPayments/evmPaymentsEnv.js'
export { recordedChain } from './recordedChain.js'
export type { JsonRpcAnswer, JsonRpcServer, ServeJsonRpcOptions } from './serveJsonRpc.js'
export { forwardJsonRpc, JsonRpcError, serveJsonRpc } from './serveJsonRpc.js'
export type { AnvilNode, StartAnvilOptions, TestAccount } from './startAnvil.js'
export { startAnvil } from './startAnvil.js'
