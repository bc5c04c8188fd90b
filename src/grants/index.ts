/** What the member-grants stack needs of the grants custom resource: the API actions its role may call. */
export { GRANTS_API_ACTIONS } from './api-actions';
