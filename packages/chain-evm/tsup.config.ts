import { packageBuild } from '../../tools/tsupConfig.js'

export default packageBuild({ index: 'src/index.ts' })
