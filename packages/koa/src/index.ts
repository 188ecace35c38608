export type { PaidMiddleware, PaymentRequiredOptions } from './paymentRequired.js'
export { paymentRequired } from './paymentRequired.js'
