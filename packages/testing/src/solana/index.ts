export { describeWithFixtures, fixturePath, fixturesDir, readFixture } from '../fixtures.js'
/**
 * Test support for Solana: litesvm behind a loopback JSON-RPC, and a server of recorded
 * responses. Never for real funds.
 */
export type { JsonRpcServer } from './jsonRpcServer.js'
export { JsonRpcError, serveJsonRpc } from './jsonRpcServer.js'
export type { Commitment } from './parsedTransaction.js'
export type { TransferOptions } from './sendTransfer.js'
export { sendTransfer } from './sendTransfer.js'
export type { SolanaRpc, SolanaRpcOptions } from './solanaRpcTypes.js'
export type { RecordedSolanaRpc } from './startRecordedSolanaRpc.js'
export { startRecordedSolanaRpc } from './startRecordedSolanaRpc.js'
export { localGenesisHash, startSolanaRpc } from './startSolanaRpc.js'
export type { TransferHookProgram } from './transferHookProgram.js'
export { splNoopSource, transferHookProgram } from './transferHookProgram.js'
