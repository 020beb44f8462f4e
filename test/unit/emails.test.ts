/** The decision email's wording and escaping (src/services/licenseRequests/emails.ts). */
import { composeDecisionEmail, DecisionEmailFacts } from "../../src/services/licenseRequests/emails";

const approved: DecisionEmailFacts = {
  organizationName: "Contoso",
  recipientName: "Adele Vance",
  requestedProductName: "Power BI Pro",
  decision: "APPROVED",
  assignedProductName: "Microsoft 365 E5",
  disabledPlanNames: ["Microsoft Teams", "SharePoint"],
  adminName: "MOD Administrator",
  message: "See <b>the wiki</b> & ask Lee",
};

describe("composeDecisionEmail", () => {
  it("says who approved what for whom, from which product, with which apps off, and the admin's message", () => {
    const email = composeDecisionEmail(approved);
    expect(email.subject).toBe("Your request for Power BI Pro was approved");
    expect(email.text).toBe(
      [
        "Hello Adele Vance,",
        "",
        "MOD Administrator of Contoso approved the license request for Power BI Pro.",
        "You now have a license of Microsoft 365 E5.",
        "Turned off in your license: Microsoft Teams, SharePoint.",
        "",
        "Message from your admin:",
        "See <b>the wiki</b> & ask Lee",
      ].join("\n"),
    );
  });

  it("escapes everything a person typed in the HTML part", () => {
    const email = composeDecisionEmail({ ...approved, recipientName: `O'Brien "<script>"` });
    expect(email.html).toContain("See &lt;b&gt;the wiki&lt;/b&gt; &amp; ask Lee");
    expect(email.html).toContain("Hello O&#39;Brien &quot;&lt;script&gt;&quot;,");
    expect(email.html).not.toMatch(/<b>|<script>/);
  });

  it("words a denial without a license line, and leaves out an empty message", () => {
    const email = composeDecisionEmail({ ...approved, decision: "DENIED", assignedProductName: undefined, disabledPlanNames: undefined, message: null });
    expect(email.subject).toBe("Your request for Power BI Pro was denied");
    expect(email.text).toContain("MOD Administrator of Contoso denied the license request for Power BI Pro.");
    expect(email.text).not.toMatch(/license of|Turned off|Message from/);
  });

  it("keeps line breaks out of the subject, so no header can be injected through a product name", () => {
    const email = composeDecisionEmail({ ...approved, requestedProductName: "Visio\r\nBcc: everyone@example.com" });
    expect(email.subject).toBe("Your request for Visio Bcc: everyone@example.com was approved");
    expect(email.subject).not.toMatch(/[\r\n]/);
  });
});
