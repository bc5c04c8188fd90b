/** The correlation engine (Sigma correlation rules over the state port). */
export { CorrelationEngine, type CorrelationHit } from './engine';
