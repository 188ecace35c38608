export { withPaymentInterceptor } from './withPaymentInterceptor.js'
