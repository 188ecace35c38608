import { type EvmPaymentsSuite, useEvmPaymentsEnv } from './evmPayments/evmPaymentsEnv.js'
import { finalityCases } from './evmPayments/finalityCases.js'
import { nativeCases } from './evmPayments/nativeCases.js'
import { proofCases } from './evmPayments/proofCases.js'
import { rpcFaultCases } from './evmPayments/rpcFaultCases.js'
import { transferCases } from './evmPayments/transferCases.js'

/**
 * Test support: the outcome matrix of an EVM chain plugin, run against a real anvil node with
 * `chainId`, real Solidity contracts and real transactions. A preset package calls it with its
 * factory and overrides (a test token as USDC), so every preset is checked end to end.
 *
 * @example
 * describeEvmPayments({ title: 'base() on anvil', chainId: 8453, plugin: (o) => base(o) })
 */
export function describeEvmPayments(suite: EvmPaymentsSuite): void {
  describe(suite.title, function () {
    this.timeout(60_000)
    const env = useEvmPaymentsEnv(suite)
    transferCases(env)
    finalityCases(env)
    nativeCases(env)
    proofCases(env)
    rpcFaultCases(env)
  })
}
