// @ts-check
/**
 * "Seats at a glance" (api.md "Policies"), for whoever decides requests: for
 * each product whose seats the API shows the viewer (those whose requests
 * they decide), a small chart drawn as inline SVG of its licenses assigned
 * and free, the licenses pending requests ask for, and those due to be
 * reclaimed within 30 days; the same numbers in the chart's title (what a
 * screen reader says of it) and as text beside it.
 *
 * The numbers move with every decision, request, cancellation, expiry and
 * reclaim, each of which is an entry of the activity log the page follows
 * (live.js): `seatsMayHaveChanged` reads them again, once for a burst of
 * entries (reread.js).
 */
import { gql, isTokenRefused } from "./api.js";
import { $, h } from "./dom.js";
import { failed } from "./failures.js";
import { SeatsAtAGlance } from "./generated/operations.js";
import { rereader } from "./reread.js";

/** @import { SeatsAtAGlanceQuery } from "../../test/generated/graphql" */
/** @typedef {SeatsAtAGlanceQuery["products"][number]} ProductData */
/** @typedef {NonNullable<ProductData["seats"]>} Seats */

/** The chart's drawing area, in SVG user units (it scales with the page). */
const WIDTH = 240;
const BAR = 12;
const GAP = 6;
const HEIGHT = 2 * BAR + GAP;

const SVG = "http://www.w3.org/2000/svg";
const count = new Intl.NumberFormat("en");

/**
 * @typedef {object} PaneState
 * @property {boolean} shown signed in, and the viewer decides requests
 * @property {ProductData[] | null} products those with seats, as last read
 * @property {string} status what the status line says
 */

/** @type {PaneState} */
const pane = { shown: false, products: null, status: "" };

/** Reads every product's seats and shows those the API gives the viewer. */
const seatsReads = rereader(
  async () => {
    const { products } = await gql(SeatsAtAGlance, {});
    if (!pane.shown) return;
    pane.products = products.filter((product) => product.seats !== null);
    pane.status = "";
    render();
  },
  (error) => {
    if (isTokenRefused(error)) return failed(error);
    pane.status = `The seats could not be read again: ${error instanceof Error ? error.message : String(error)}`;
    render();
  },
);

/**
 * Shows the pane with the seats of the products the viewer decides (call
 * for whoever decides requests; anyone else reads none).
 * @throws {import("./api.js").ApiError}
 */
export async function loadSeats() {
  pane.shown = true;
  await seatsReads.now();
}

/** Hides the pane and forgets what it read (signing out). */
export function hideSeats() {
  pane.shown = false;
  pane.products = null;
  pane.status = "";
  seatsReads.cancel();
  render();
}

/**
 * An entry of the activity log arrived (or the page reads its list afresh):
 * the seats are read again once the entries pause (reread.js).
 */
export function seatsMayHaveChanged() {
  if (pane.shown) seatsReads.soon();
}

/**
 * What the chart says, in words: its title, and what a screen reader reads.
 * @param {string} name
 * @param {Seats} seats
 */
export function seatsSentence(name, seats) {
  return (
    `${name}: ${count.format(seats.assigned)} of ${count.format(seats.total)} licenses assigned, ${count.format(seats.available)} free, ` +
    `${count.format(seats.requested)} asked for by pending requests, ${count.format(seats.reclaimingWithin30Days)} due to be reclaimed in the next 30 days.`
  );
}

/**
 * An SVG element (dom.js's `h` makes HTML ones).
 * @param {string} tag
 * @param {Record<string, string | number>} attributes
 * @param {...(Node | string)} children
 */
function svg(tag, attributes, ...children) {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  element.append(...children);
  return element;
}

/** @param {number} n */
const units = (n) => Math.round(n * 100) / 100;

/**
 * The chart of one product. The upper bar is the pool: assigned, then free,
 * with the assigned licenses due to be reclaimed striped at its end (their
 * seats come back). The lower bar is what pending requests ask for, drawn from
 * where the free seats start: past the line that marks the pool's end, they
 * ask for more than there is.
 * @param {ProductData} product
 * @param {Seats} seats
 * @param {number} index
 */
function chart(product, seats, index) {
  const scale = Math.max(seats.total, seats.assigned + seats.requested, 1);
  /** @param {number} n */
  const x = (n) => units((n / scale) * WIDTH);
  const reclaiming = Math.min(seats.reclaimingWithin30Days, seats.assigned);
  const titleId = `seats-title-${index}`;
  const stripes = `seats-stripes-${index}`;
  return svg(
    "svg",
    {
      class: "seats-chart",
      role: "img",
      "aria-labelledby": titleId,
      viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
      width: WIDTH,
      height: HEIGHT,
      "data-total": seats.total,
      "data-assigned": seats.assigned,
      "data-available": seats.available,
      "data-requested": seats.requested,
      "data-reclaiming": seats.reclaimingWithin30Days,
    },
    svg("title", { id: titleId }, seatsSentence(product.name, seats)),
    svg(
      "defs",
      {},
      svg(
        "pattern",
        { id: stripes, width: 4, height: 4, patternUnits: "userSpaceOnUse", patternTransform: "rotate(45)" },
        svg("rect", { width: 2, height: 4, class: "seat-stripe" }),
      ),
    ),
    svg("rect", { class: "seat-track", x: 0, y: 0, width: x(seats.total), height: BAR }),
    svg("rect", { class: "seat-assigned", x: 0, y: 0, width: x(seats.assigned), height: BAR }),
    svg("rect", { class: "seat-available", x: x(seats.assigned), y: 0, width: x(seats.available), height: BAR }),
    svg("rect", { class: "seat-reclaiming", x: x(seats.assigned - reclaiming), y: 0, width: x(reclaiming), height: BAR, fill: `url(#${stripes})` }),
    svg("rect", { class: "seat-requested", x: x(seats.assigned), y: BAR + GAP, width: x(seats.requested), height: BAR }),
    svg("line", { class: "seat-total", x1: x(seats.total), x2: x(seats.total), y1: 0, y2: HEIGHT }),
  );
}

/**
 * The numbers of the chart as text, each with the swatch of its part.
 * @param {Seats} seats
 */
function numbers(seats) {
  /** @type {[keyof Seats, string, string][]} */
  const parts = [
    ["assigned", "assigned", "seat-assigned"],
    ["available", "free", "seat-available"],
    ["requested", "asked for", "seat-requested"],
    ["reclaimingWithin30Days", "reclaimed within 30 days", "seat-reclaiming"],
  ];
  return h(
    "ul",
    { class: "seat-numbers" },
    parts.map(([field, label, swatch]) =>
      h("li", { "data-field": field }, h("span", { class: `swatch ${swatch}`, "aria-hidden": "true" }), h("b", {}, count.format(seats[field])), ` ${label}`),
    ),
    h("li", { "data-field": "total", class: "muted" }, `of ${count.format(seats.total)}`),
  );
}

function render() {
  const section = $("seats");
  const products = pane.products ?? [];
  section.hidden = !pane.shown || products.length === 0;
  const status = $("seats-status");
  const said = pane.shown ? pane.status : "";
  if (status.textContent !== said) status.textContent = said;
  if (section.hidden) return $("seats-body").replaceChildren();
  $("seats-body").replaceChildren(
    h(
      "ul",
      { class: "seats", "aria-label": "Products" },
      products.map((product, index) => {
        const seats = /** @type {Seats} */ (product.seats);
        return h(
          "li",
          { "data-product-id": product.id, "aria-labelledby": `seats-product-${index}` },
          h("h3", { id: `seats-product-${index}` }, product.name),
          chart(product, seats, index),
          numbers(seats),
        );
      }),
    ),
  );
}
