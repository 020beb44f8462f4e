/**
 * The admin notices' emails (src/services/notices/emails.ts) and
 * when they are due (src/services/notices/rules.ts): wording,
 * HTML escaping, the Requests page's link, safe subjects, UTC days.
 */
import { loadConfig } from "../../src/config";
import { digestDue, reminderWindow, utcDayStart } from "../../src/services/notices/rules";
import { composeDigestEmail, composeExpiredEmail, composeNewRequestEmail, composeReminderEmail, NoticeRequest } from "../../src/services/notices/emails";

const URL = "https://licenses.contoso.example/requests?a=1&b=2";
const request: NoticeRequest = {
  id: 7,
  productName: "Power BI <Pro>",
  requesterName: `Adele "A" Vance`,
  recipientNames: [`Adele "A" Vance`, "Alex & Co"],
  justification: "For the <script>alert(1)</script> report",
  requestedAt: new Date("2026-12-01T09:30:00Z"),
  expiresAt: new Date("2026-12-31T09:30:00Z"),
};

describe("the new request's email", () => {
  const email = composeNewRequestEmail({ organizationName: "Contoso", adminName: "MOD Administrator", request, requestsUrl: URL });

  it("says who asked for what for whom, why, until when, and links to the Requests page", () => {
    expect(email.subject).toBe(`New license request: Power BI <Pro> from Adele "A" Vance`);
    expect(email.text).toBe(
      [
        "Hello MOD Administrator,",
        "",
        "A new license request arrived for Contoso.",
        `Adele "A" Vance asked for Power BI <Pro> for 2 people: Adele "A" Vance, Alex & Co.`,
        "",
        "Justification:",
        "For the <script>alert(1)</script> report",
        "",
        "It expires on 2026-12-31 09:30 UTC unless decided.",
        "",
        `Review it on the Requests page: ${URL}`,
      ].join("\n"),
    );
  });

  it("escapes every name and text in the HTML, the link included", () => {
    expect(email.html).not.toMatch(/<script>|<Pro>/);
    expect(email.html).toContain("For the &lt;script&gt;alert(1)&lt;/script&gt; report");
    expect(email.html).toContain("Adele &quot;A&quot; Vance asked for Power BI &lt;Pro&gt;");
    expect(email.html).toContain("Alex &amp; Co");
    expect(email.html).toContain(`<a href="https://licenses.contoso.example/requests?a=1&amp;b=2">Review it on the Requests page</a>`);
  });

  it("keeps line breaks out of the subject", () => {
    const injected = composeNewRequestEmail({
      organizationName: "Contoso",
      adminName: "A",
      request: { ...request, requesterName: "Eve\r\nBcc: everyone@example.com" },
      requestsUrl: URL,
    });
    expect(injected.subject).not.toMatch(/[\r\n]/);
  });
});

describe("the daily digest", () => {
  const day = new Date("2026-12-01T00:00:00Z");
  const second: NoticeRequest = { ...request, id: 8, requesterName: "Lee Gu", recipientNames: ["Lee Gu"], requestedAt: new Date("2026-12-01T23:59:00Z") };

  it("lists the day's requests with their status and says which UTC day", () => {
    const email = composeDigestEmail({
      organizationName: "Contoso",
      adminName: "MOD Administrator",
      day,
      requests: [
        { ...request, status: "PENDING" },
        { ...second, status: "PARTIALLY_APPROVED" },
      ],
      total: 2,
      requestsUrl: URL,
    });
    expect(email.subject).toBe("Daily digest: 2 new license requests on 2026-12-01");
    expect(email.text).toContain("2 new license requests arrived for Contoso on 2026-12-01 (UTC):");
    expect(email.text).toContain(`2026-12-01 09:30 UTC: Adele "A" Vance asked for Power BI <Pro> for 2 people, pending.`);
    expect(email.text).toContain("2026-12-01 23:59 UTC: Lee Gu asked for Power BI <Pro> for 1 person, partially approved.");
    expect(email.html).not.toContain("<Pro>");
  });

  it("names the days it covers when earlier requests waited for it, and counts those it does not list", () => {
    const email = composeDigestEmail({
      organizationName: "Contoso",
      adminName: "A",
      day,
      requests: [{ ...request, requestedAt: new Date("2026-11-28T10:00:00Z") }],
      total: 250,
      requestsUrl: URL,
    });
    expect(email.subject).toBe("Daily digest: 250 new license requests from 2026-11-28 to 2026-12-01");
    expect(email.text).toContain("… and 249 more.");
  });
});

describe("the reminder and the expiry", () => {
  it("reminds the admins of the expiry date", () => {
    const email = composeReminderEmail({ organizationName: "Contoso", adminName: "A", request, requestsUrl: URL });
    expect(email.subject).toBe(`Reminder: the request for Power BI <Pro> from Adele "A" Vance expires in 7 days`);
    expect(email.text).toContain("still pending and expires on 2026-12-31 09:30 UTC");
    expect(email.html).toContain(`<a href="https://licenses.contoso.example/requests?a=1&amp;b=2">`);
  });

  it("tells the requester their request expired undecided", () => {
    const email = composeExpiredEmail({ organizationName: "Contoso", requesterName: "Adele", request, requestsUrl: URL });
    expect(email.subject).toBe("Your request for Power BI <Pro> expired");
    expect(email.text).toContain("of 2026-12-01 09:30 UTC expired on 2026-12-31 09:30 UTC: no admin of Contoso decided it in time.");
    expect(email.html).toContain("Power BI &lt;Pro&gt;");
  });
});

describe("when notices are due", () => {
  it("cuts days at 00:00 UTC", () => {
    expect(utcDayStart(new Date("2026-12-01T23:59:59.999Z")).toISOString()).toBe("2026-12-01T00:00:00.000Z");
    expect(utcDayStart(new Date("2026-12-02T00:00:00.000Z")).toISOString()).toBe("2026-12-02T00:00:00.000Z");
  });

  it("owes yesterday's digest from 00:00 UTC, listing what arrived before then", () => {
    expect(digestDue(new Date("2026-12-02T00:00:30Z"))).toEqual({ day: new Date("2026-12-01T00:00:00Z"), before: new Date("2026-12-02T00:00:00Z") });
  });

  it("owes the reminder of requests expiring within the next seven days, not those expired", () => {
    const now = new Date("2026-12-01T12:00:00Z");
    expect(reminderWindow(now)).toEqual({ expiresAfter: now, expiresBy: new Date("2026-12-08T12:00:00Z") });
  });
});

// PUBLIC_URL, which the notices link through, is test/unit/config.test.ts's.
describe("the configuration of notices", () => {
  it("moves the clock through TEST_CLOCK_FILE only under NODE_ENV=test", () => {
    expect(loadConfig({ NODE_ENV: "test", TEST_CLOCK_FILE: "/tmp/offset" }).testClockFile).toBe("/tmp/offset");
    expect(() => loadConfig({ TEST_CLOCK_FILE: "/tmp/offset" })).toThrow(/TEST_CLOCK_FILE: only with NODE_ENV=test/);
  });
});
