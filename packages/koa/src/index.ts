export type { ClientIdentityOptions } from './clientIdentity.js'
export {
  type OwnCorsHeaders,
  type PaymentCorsOptions,
  paymentCorsOptions,
} from './paymentCorsOptions.js'
export type { PaidMiddleware, PaymentRequiredOptions } from './paymentRequired.js'
export { paymentRequired } from './paymentRequired.js'
