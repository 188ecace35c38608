export { judgeReport } from './judgeReport.js'
export type { ScriptedChain, ScriptedChainOptions } from './scriptedChain.js'
export { confirmedPayment, scriptedChain, scriptedPayer } from './scriptedChain.js'
