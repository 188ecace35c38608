import { packageBuild } from '../../tools/tsupConfig.js'

export default packageBuild({
  index: 'src/index.ts',
  protocol: 'src/protocol/index.ts',
  testing: 'src/testing/index.ts',
})
