// @ts-check
/**
 * A people picker over `users(search:)`: a combobox that finds colleagues of
 * the organization by name or email as one types, and the people chosen so
 * far, each with a button to take them out again. Keyboard: arrows move
 * through the matches, Enter picks one, Escape closes the list.
 *
 * The search text is bounded as the API bounds it (200 characters, no control
 * characters); an answer that arrives after a newer search was sent is dropped.
 */
import { gql } from "./api.js";
import { h } from "./dom.js";
import { failed } from "./failures.js";
import { MinePeople } from "./generated/operations.js";

/** @import { Person } from "./mineState.js" */

/** The API's bound on `search` (src/services/users/directory.ts). */
export const MAX_SEARCH_LENGTH = 200;
const MATCHES_SHOWN = 8;
const TYPING_PAUSE_MS = 150;

/**
 * What a search sends: without control characters (the API refuses them) and trimmed.
 * @param {string} text
 */
export function searchText(text) {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f]/g, " ").trim();
}

/**
 * @typedef {object} PickerOptions
 * @property {string} id prefix of the ids of the picker's elements
 * @property {string} label what the search box is for
 * @property {() => Person[]} chosen the people chosen so far
 * @property {() => Set<string>} excluded user IDs never offered (the person themselves)
 * @property {number} max how many people may be chosen
 * @property {string} maxReached what to say once `max` are chosen
 * @property {string} [hint] what to say below the box until then (default: "Up to `max` people besides you.")
 * @property {boolean} disabled
 * @property {(people: Person[]) => void} onChange called with the new choice
 */

/**
 * The picker's elements; re-created on every render of the form that holds it.
 * @param {PickerOptions} options
 */
export function peoplePicker(options) {
  const { id, chosen, excluded, max, onChange } = options;
  const listId = `${id}-results`;
  /** @type {Person[]} */
  let matches = [];
  let active = -1;
  let generation = 0;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;

  const full = chosen().length >= max;
  const input = h("input", {
    id: `${id}-search`,
    type: "search",
    role: "combobox",
    "aria-autocomplete": "list",
    "aria-expanded": "false",
    "aria-controls": listId,
    "aria-describedby": `${id}-hint`,
    maxlength: MAX_SEARCH_LENGTH,
    autocomplete: "off",
    spellcheck: "false",
    placeholder: full ? "" : "Search by name or email",
    disabled: options.disabled || full,
  });
  const results = h("ul", { id: listId, class: "people-results", role: "listbox", "aria-label": "Matching people", hidden: true });

  const close = () => {
    matches = [];
    active = -1;
    results.hidden = true;
    results.replaceChildren();
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
  };

  /** @param {Person} person */
  const pick = (person) => {
    close();
    input.value = "";
    onChange([...chosen(), person]);
  };

  const showMatches = () => {
    results.hidden = false;
    input.setAttribute("aria-expanded", "true");
    if (!matches.length) {
      results.replaceChildren(h("li", { class: "muted none" }, "No one found."));
      input.removeAttribute("aria-activedescendant");
      return;
    }
    results.replaceChildren(
      ...matches.map((person, index) =>
        h(
          "li",
          {
            id: `${id}-option-${index}`,
            role: "option",
            "data-user-id": person.id,
            "aria-selected": index === active ? "true" : "false",
            class: index === active ? "active" : null,
            // Keeps the focus in the box while the pointer picks.
            onmousedown: (/** @type {MouseEvent} */ event) => event.preventDefault(),
            onclick: () => pick(person),
          },
          h("span", { class: "name" }, person.displayName),
          h("span", { class: "muted" }, ` ${person.email}`),
        ),
      ),
    );
    if (active >= 0) input.setAttribute("aria-activedescendant", `${id}-option-${active}`);
    else input.removeAttribute("aria-activedescendant");
  };

  const search = async () => {
    const text = searchText(input.value);
    const mine = ++generation;
    if (!text) return close();
    try {
      const data = await gql(MinePeople, { search: text, first: MATCHES_SHOWN + chosen().length + 1 });
      if (mine !== generation) return;
      const skip = new Set([...excluded(), ...chosen().map((p) => p.id)]);
      matches = data.users.edges
        .map((edge) => edge.node)
        .filter((person) => !skip.has(person.id))
        .slice(0, MATCHES_SHOWN);
      active = matches.length ? 0 : -1;
      showMatches();
    } catch (error) {
      if (mine === generation) failed(error);
    }
  };

  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => void search(), TYPING_PAUSE_MS);
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !results.hidden) {
      event.preventDefault();
      close();
    } else if ((event.key === "ArrowDown" || event.key === "ArrowUp") && matches.length) {
      event.preventDefault();
      active = (active + (event.key === "ArrowDown" ? 1 : matches.length - 1)) % matches.length;
      showMatches();
    } else if (event.key === "Enter") {
      // Enter in the box picks; it never sends the form.
      event.preventDefault();
      const person = matches[active];
      if (person && !results.hidden) pick(person);
    }
  });
  input.addEventListener("blur", () => {
    generation++;
    close();
  });

  const people = chosen();
  return h(
    "div",
    { class: "people" },
    h("label", { for: input.id, class: "block" }, options.label),
    h(
      "ul",
      { id: `${id}-chosen`, class: "people-chosen", "aria-label": "People named", hidden: people.length === 0 },
      people.map((person) =>
        h(
          "li",
          { "data-user-id": person.id },
          h("span", { class: "name" }, person.displayName),
          h("span", { class: "muted" }, ` ${person.email}`),
          h(
            "button",
            {
              type: "button",
              class: "link remove",
              "aria-label": `Remove ${person.displayName}`,
              disabled: options.disabled,
              onclick: () => onChange(chosen().filter((p) => p.id !== person.id)),
            },
            "✕",
          ),
        ),
      ),
    ),
    h("div", { class: "people-box" }, input, results),
    h("p", { id: `${id}-hint`, class: "muted hint" }, full ? options.maxReached : (options.hint ?? `Up to ${max} people besides you.`)),
  );
}
