import { packageBuild } from '../../tools/tsupConfig.js'

// `describeEvmPayments` declares mocha suites, so its types use mocha's globals.
export default packageBuild(
  {
    evm: 'src/evm/index.ts',
    solana: 'src/solana/index.ts',
    faults: 'src/faults/index.ts',
    services: 'src/services.ts',
  },
  { dts: { compilerOptions: { composite: false, types: ['node', 'mocha'] } } },
)
