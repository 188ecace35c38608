export type { PaymentRequiredOptions } from './paymentRequired.js'
export { paymentRequired } from './paymentRequired.js'
