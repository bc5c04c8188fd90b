/** GuardDuty findings (EventBridge envelope or bare) read as matches. */
export { GuardDutyInputError, isEventBridgeEnvelope } from './finding';
export { guardDutyFromText, guardDutyMatchFromEvent } from './input';
export { guardDutyConsoleUrl, guardDutyTarget } from './match';
