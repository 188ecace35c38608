import { packageBuild } from '../../tools/tsupConfig.js'

export default packageBuild({
  index: 'src/index.ts',
  evm: 'src/evm/index.ts',
  solana: 'src/solana/index.ts',
  axios: 'src/axios/index.ts',
})
