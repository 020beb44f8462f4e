// @ts-check
/**
 * The /recommend page's one action (src/server/recommendPage.ts renders the
 * rest): sends "Recommend approval" or "Recommend denial", with the optional
 * comment, as recordRecommendation, authenticated by the link's secret from
 * the page's own URL; no bearer token. Shows what the API answered: thanks,
 * or why nothing was recorded (used, expired, decided, unknown link).
 */
import { RecordRecommendation } from "./generated/operations.js";

/** @import { RecommendationVerdict } from "../../test/generated/graphql" */

const MAX_COMMENT_LENGTH = 1000;
const count = new Intl.NumberFormat("en");

/**
 * @param {string} id
 * @returns {HTMLElement | null}
 */
const byId = (id) => document.getElementById(id);

/** @param {string[]} messages */
function showErrors(messages) {
  const list = byId("recommend-errors");
  if (!list) return;
  list.replaceChildren(
    ...messages.map((message) => {
      const item = document.createElement("li");
      item.textContent = message;
      return item;
    }),
  );
  list.hidden = messages.length === 0;
}

/** @param {boolean} busy */
function setBusy(busy) {
  for (const id of ["recommend-approve", "recommend-deny", "comment"]) {
    const control = byId(id);
    if (control instanceof HTMLButtonElement || control instanceof HTMLTextAreaElement) control.disabled = busy;
  }
}

/** @param {string} message */
function finish(message) {
  const form = byId("recommend-form");
  const outcome = byId("recommend-outcome");
  if (form) form.hidden = true;
  if (outcome) {
    outcome.textContent = message;
    outcome.hidden = false;
  }
}

/**
 * Sends the recommendation.
 * @param {RecommendationVerdict} verdict
 */
async function recommend(verdict) {
  const shareToken = new URLSearchParams(location.search).get("token") ?? "";
  const textarea = byId("comment");
  const comment = textarea instanceof HTMLTextAreaElement ? textarea.value.trim() : "";
  setBusy(true);
  showErrors([]);
  try {
    const response = await fetch("/graphql", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: RecordRecommendation, variables: { input: { shareToken, verdict, comment: comment || null } } }),
    });
    /** @type {{ data?: import("../../test/generated/graphql").RecordRecommendationMutation | null, errors?: { message: string }[] } | null} */
    let body = null;
    try {
      body = await response.json();
    } catch {
      body = null;
    }
    if (body?.errors?.length) return showErrors(body.errors.map((e) => e.message));
    const payload = body?.data?.recordRecommendation;
    if (!payload) return showErrors([`The server answered HTTP ${response.status}. Try again.`]);
    if (payload.userErrors.length) {
      const final = payload.userErrors.some((e) => e.code === "CONFLICT" || e.code === "NOT_FOUND");
      if (final) return finish(payload.userErrors.map((e) => e.message).join(" "));
      return showErrors(payload.userErrors.map((e) => e.message));
    }
    finish(
      verdict === "APPROVE"
        ? "Thank you: your recommendation to approve was recorded. The admins will see it."
        : "Thank you: your recommendation to deny was recorded. The admins will see it.",
    );
  } catch {
    showErrors(["The server could not be reached. Check the connection and try again."]);
  } finally {
    setBusy(false);
  }
}

function start() {
  const textarea = byId("comment");
  const counter = byId("comment-count");
  if (textarea instanceof HTMLTextAreaElement && counter) {
    textarea.addEventListener("input", () => {
      counter.textContent = `${count.format(textarea.value.length)} / ${count.format(MAX_COMMENT_LENGTH)}`;
    });
  }
  for (const id of ["recommend-approve", "recommend-deny"]) {
    const button = byId(id);
    const verdict = button?.dataset["verdict"];
    if (button && (verdict === "APPROVE" || verdict === "DENY")) button.addEventListener("click", () => void recommend(verdict));
  }
}

start();
