/**
 * The email each decision owes each recipient (api.md "Rules"): approved (which
 * product, which apps off) or denied, with the admin's message, HTML-escaped.
 */
export interface DecisionEmailFacts {
  organizationName: string;
  recipientName: string;
  requestedProductName: string;
  decision: "APPROVED" | "DENIED";
  /** The product the license came from (approvals). */
  assignedProductName?: string | undefined;
  disabledPlanNames?: string[] | undefined;
  adminName: string;
  message: string | null;
}

export interface ComposedEmail {
  subject: string;
  text: string;
  html: string;
}

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

/** Strips line breaks from header values (no header injection through names). */
const headerSafe = (value: string) => value.replace(/[\r\n]+/g, " ").slice(0, 200);

export function composeDecisionEmail(f: DecisionEmailFacts): ComposedEmail {
  const approved = f.decision === "APPROVED";
  const subject = headerSafe(approved ? `Your request for ${f.requestedProductName} was approved` : `Your request for ${f.requestedProductName} was denied`);
  const lines: string[] = [`Hello ${f.recipientName},`, ""];
  if (approved) {
    lines.push(`${f.adminName} of ${f.organizationName} approved the license request for ${f.requestedProductName}.`);
    lines.push(`You now have a license of ${f.assignedProductName ?? f.requestedProductName}.`);
    if (f.disabledPlanNames?.length) lines.push(`Turned off in your license: ${f.disabledPlanNames.join(", ")}.`);
  } else {
    lines.push(`${f.adminName} of ${f.organizationName} denied the license request for ${f.requestedProductName}.`);
  }
  if (f.message) lines.push("", `Message from your admin:`, f.message);
  const text = lines.join("\n");
  const html = ["<!doctype html><html><body>", ...lines.map((line) => (line === "" ? "<br>" : `<p>${escapeHtml(line)}</p>`)), "</body></html>"].join("\n");
  return { subject, text, html };
}
