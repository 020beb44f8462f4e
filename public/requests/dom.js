// @ts-check
/**
 * Small DOM helpers of the page. Everything from the API becomes text nodes or
 * attribute values, never markup: `h` has no way to set innerHTML.
 */

/** Status labels as the admin center shows them. */
const STATUS_LABELS = /** @type {Record<string, string>} */ ({
  PENDING: "Pending",
  APPROVED: "Approved",
  PARTIALLY_APPROVED: "Partially approved",
  DENIED: "Denied",
  CANCELLED: "Cancelled",
  EXPIRED: "Expired",
});

/**
 * The element of index.html with this id; throws when there is none (the
 * page and its markup disagree, which no caller can recover from).
 * @param {string} id
 * @returns {HTMLElement}
 */
export function $(id) {
  const element = document.getElementById(id);
  if (!element) throw new Error(`index.html has no #${id}`);
  return element;
}

/**
 * @typedef {string | number | Node | null | undefined | false} Child
 * @typedef {Child | Child[]} Children
 * @typedef {Record<string, string | number | boolean | null | undefined | ((event: any) => void)>} Attributes
 */

/**
 * An element with attributes (set as attributes or, for `on*`, as listeners;
 * null, undefined and false leave one out, true sets it empty) and children
 * (strings and numbers become text nodes; null, undefined and false are skipped).
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Attributes} [attributes]
 * @param {...Children} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (typeof value === "function") {
      if (!name.startsWith("on")) throw new Error(`h: ${name} is a function but no on* listener`);
      element.addEventListener(name.slice(2), value);
    } else if (value === true) element.setAttribute(name, "");
    else element.setAttribute(name, String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

export const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium" });
export const dateTimeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

/**
 * A <time> showing `iso` in `format`, with the date and time as its title.
 * @param {string} iso
 * @param {Intl.DateTimeFormat} [format]
 */
export function time(iso, format = dateFormat) {
  return h("time", { datetime: iso, title: dateTimeFormat.format(new Date(iso)) }, format.format(new Date(iso)));
}

/**
 * A status badge; CSS colours it by data-status, tests find it by that too.
 * @param {string} status
 */
export function statusBadge(status) {
  return h("span", { class: "status", "data-status": status }, STATUS_LABELS[status] ?? status);
}

/**
 * Shows `text` in the page's alert line, or hides it when `text` is empty.
 * @param {string | null} text
 */
export function showNotice(text) {
  const notice = $("notice");
  notice.textContent = text ?? "";
  notice.hidden = !text;
}

/**
 * The live-updates badge in the header (a polite live region: a screen reader
 * says each change once, so the text is only set when it changes).
 * @param {"offline" | "connecting" | "live" | "reconnecting"} liveState
 * @param {string} text
 */
export function setLive(liveState, text) {
  const badge = $("live");
  badge.dataset.state = liveState;
  if (badge.textContent !== text) badge.textContent = text;
}

/**
 * Renders a pane of products (`#<id>`, its status `#<id>-status`, its body
 * `#<id>-body`): hidden unless shown, its status said once, each product an
 * item of a list, the focus kept on the element of the body that had it.
 * @template P
 * @param {string} id
 * @param {{ shown: boolean, busy: boolean, status: string, products: P[] | null }} pane
 * @param {string} listClass
 * @param {(product: P, index: number) => Node} item
 */
export function renderProductsPane(id, pane, listClass, item) {
  const section = $(id);
  section.hidden = !pane.shown;
  section.setAttribute("aria-busy", String(pane.busy));
  const status = $(`${id}-status`);
  const said = pane.shown ? pane.status : "";
  if (status.textContent !== said) status.textContent = said;
  const body = $(`${id}-body`);
  if (!pane.shown || !pane.products) return body.replaceChildren();
  const focusedId = document.activeElement && body.contains(document.activeElement) ? document.activeElement.id : null;
  body.replaceChildren(
    pane.products.length ? h("ul", { class: listClass, "aria-label": "Products" }, pane.products.map(item)) : h("p", { class: "muted" }, "No products."),
  );
  if (focusedId) document.getElementById(focusedId)?.focus();
}
