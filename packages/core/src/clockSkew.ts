/**
 * The default of `clockSkewSeconds` (`paymentRequired` / `createPaymentEngine`), in seconds: the
 * clock difference tolerated between the chain and the server that issued a challenge. One
 * number for the engine, `judgeReport` and `tx402 verify --clock-skew`, so a payment the server
 * refuses for its age is refused by them alike (docs/protocol.md section 4).
 *
 * @example judgePayment(result, { requirement, now: Date.now(), clockSkewSeconds: defaultClockSkewSeconds })
 */
export const defaultClockSkewSeconds = 60
