export type { PrometheusObserver } from './prometheusObserver.js'
export { prometheusObserver } from './prometheusObserver.js'
