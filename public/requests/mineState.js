// @ts-check
/**
 * The state of the user view (/requests/mine) and the shapes it holds, from
 * the generated operation types of operations/mine.graphql. The session (the
 * token api.js sends) stays in state.js, shared with the Requests tab.
 */
import { AttemptKey } from "./keys.js";

/** @import { MineRequestFragment, MineOwnProcessFragment, MinePageQuery } from "../../test/generated/graphql" */

/**
 * @typedef {MineRequestFragment} MyRequest
 * @typedef {MineOwnProcessFragment} OwnProcess
 * @typedef {MinePageQuery["me"]} Me
 * @typedef {MinePageQuery["products"][number]} ProductOption
 * @typedef {{ id: string, displayName: string, email: string }} Person
 */

/**
 * What the person is asking for.
 * @typedef {object} RequestForm
 * @property {string} productId the chosen product ("" for none yet)
 * @property {Person[]} people colleagues named, in the order chosen
 * @property {string} justification as typed
 * @property {AttemptKey} key the idempotency key of the request on its way or to retry
 * @property {boolean} busy a request is on its way
 * @property {string[]} errors what to tell the person
 */

/**
 * @typedef {object} MineState
 * @property {Me | null} me who is signed in
 * @property {OwnProcess | null} ownProcess the organization's own request process
 * @property {ProductOption[]} products every product of the organization
 * @property {RequestForm} form
 * @property {{ rows: MyRequest[], totalCount: number, endCursor: string | null, hasNextPage: boolean, generation: number }} list
 *   the requests shown, newest first; `generation` drops answers of a load superseded by a newer one
 * @property {Map<string, AttemptKey>} cancelKeys the idempotency key of each cancellation sent and not yet answered
 * @property {Set<string>} cancelling requests whose cancellation is on its way
 * @property {Map<string, string>} rowErrors what a failed cancellation says, by request
 */

/** @returns {RequestForm} */
export function newRequestForm() {
  return { productId: "", people: [], justification: "", key: new AttemptKey(), busy: false, errors: [] };
}

/** @type {MineState} */
export const mine = {
  me: null,
  ownProcess: null,
  products: [],
  form: newRequestForm(),
  list: { rows: [], totalCount: 0, endCursor: null, hasNextPage: false, generation: 0 },
  cancelKeys: new Map(),
  cancelling: new Set(),
  rowErrors: new Map(),
};
