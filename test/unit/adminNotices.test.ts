/**
 * The admin notices' emails (src/services/notices/emails.ts) and
 * when they are due (src/services/notices/rules.ts): wording,
 * HTML escaping, the Requests page's link, safe subjects, UTC days.
 */
import { loadConfig } from "../../src/config";
import {
  decisionLinkExpiry,
  digestDue,
  reminderDueAt,
  reminderLead,
  reminderOwed,
  reminderWindow,
  remainingTime,
  utcDayStart,
} from "../../src/services/notices/rules";
import {
  composeDigestEmail,
  composeExpiredEmail,
  composeNewRequestEmail,
  composeReminderEmail,
  decisionLinkUrls,
  NoticeRequest,
} from "../../src/services/notices/emails";

const URL = "https://licenses.contoso.example/requests?a=1&b=2";
const request: NoticeRequest = {
  id: 7,
  productId: 1,
  productName: "Power BI <Pro>",
  requesterName: `Adele "A" Vance`,
  recipientNames: [`Adele "A" Vance`, "Alex & Co"],
  recipientIds: [1, 2],
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
  it("reminds the deciders of the expiry date and says how long is left", () => {
    const email = composeReminderEmail({ organizationName: "Contoso", adminName: "A", request, requestsUrl: URL, now: new Date("2026-12-24T09:30:00Z") });
    expect(email.subject).toBe(`Reminder: the request for Power BI <Pro> from Adele "A" Vance expires in 7 days`);
    const shortLived = composeReminderEmail({ organizationName: "Contoso", adminName: "A", request, requestsUrl: URL, now: new Date("2026-12-27T21:30:00Z") });
    expect(shortLived.subject).toBe(`Reminder: the request for Power BI <Pro> from Adele "A" Vance expires in 3 days and 12 hours`);
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

  it("looks for reminders among requests expiring within the next seven days, not those expired", () => {
    const now = new Date("2026-12-01T12:00:00Z");
    expect(reminderWindow(now)).toEqual({ expiresAfter: now, expiresBy: new Date("2026-12-08T12:00:00Z") });
  });

  it("reminds min(7 days, half the request's own lifetime) before its expiry", () => {
    const at = (iso: string) => new Date(iso);
    const month = { requestedAt: at("2026-12-01T00:00:00Z"), expiresAt: at("2026-12-31T00:00:00Z") };
    expect(reminderLead(month)).toBe(7 * 86_400_000);
    expect(reminderDueAt(month)).toEqual(at("2026-12-24T00:00:00Z"));
    const week = { requestedAt: at("2026-12-01T00:00:00Z"), expiresAt: at("2026-12-08T00:00:00Z") };
    expect(reminderDueAt(week)).toEqual(at("2026-12-04T12:00:00Z"));
    const year = { requestedAt: at("2026-01-01T00:00:00Z"), expiresAt: at("2027-01-01T00:00:00Z") };
    expect(reminderDueAt(year)).toEqual(at("2026-12-25T00:00:00Z"));
    // Exactly 14 days: both rules give 7 days.
    expect(reminderLead({ requestedAt: at("2026-12-01T00:00:00Z"), expiresAt: at("2026-12-15T00:00:00Z") })).toBe(7 * 86_400_000);

    expect(reminderOwed(week, at("2026-12-04T11:59:59.999Z"))).toBe(false);
    expect(reminderOwed(week, at("2026-12-04T12:00:00Z"))).toBe(true);
    expect(reminderOwed(week, at("2026-12-07T23:59:59Z"))).toBe(true);
    expect(reminderOwed(week, at("2026-12-08T00:00:00Z"))).toBe(false);
    expect(reminderOwed(month, at("2026-12-23T23:59:59Z"))).toBe(false);
    expect(reminderOwed(month, at("2026-12-24T00:00:00Z"))).toBe(true);
  });

  it("says how long is left in days and hours, to the nearest hour", () => {
    const now = new Date("2026-12-01T00:00:00Z");
    const later = (hours: number) => new Date(now.getTime() + hours * 3_600_000 + 59_000);
    expect(remainingTime(now, later(7 * 24))).toBe("7 days");
    expect(remainingTime(now, later(24 + 1))).toBe("1 day and 1 hour");
    expect(remainingTime(now, later(5))).toBe("5 hours");
    expect(remainingTime(now, later(0))).toBe("less than an hour");
    expect(remainingTime(now, new Date(now.getTime() + 7 * 86_400_000 - 60_000))).toBe("7 days");
  });
});

describe("decision links", () => {
  it("expire with their request or 7 days after the email, whichever comes first", () => {
    const email = new Date("2026-12-01T10:00:00Z");
    expect(decisionLinkExpiry(email, new Date("2026-12-31T10:00:00Z"))).toEqual(new Date("2026-12-08T10:00:00Z"));
    expect(decisionLinkExpiry(email, new Date("2026-12-03T08:00:00Z"))).toEqual(new Date("2026-12-03T08:00:00Z"));
  });

  it("lead to /decide with the secret and the verdict", () => {
    expect(decisionLinkUrls("https://l.example", "s".repeat(43))).toEqual({
      approveUrl: `https://l.example/decide?token=${"s".repeat(43)}&verdict=APPROVE`,
      denyUrl: `https://l.example/decide?token=${"s".repeat(43)}&verdict=DENY`,
    });
  });

  it("appear in the new request's email as Approve and Deny, with their expiry, and only when given", () => {
    const links = { ...decisionLinkUrls("https://l.example", "t".repeat(43)), secret: "t".repeat(43), expiresAt: new Date("2026-12-08T10:00:00Z") };
    const email = composeNewRequestEmail({ organizationName: "Contoso", adminName: "A", request, requestsUrl: URL, links });
    expect(email.text).toContain(`Approve it: https://l.example/decide?token=${"t".repeat(43)}&verdict=APPROVE`);
    expect(email.text).toContain(`Deny it: https://l.example/decide?token=${"t".repeat(43)}&verdict=DENY`);
    expect(email.text).toContain("it works once, until 2026-12-08 10:00 UTC.");
    expect(email.html).toContain(`<a href="https://l.example/decide?token=${"t".repeat(43)}&amp;verdict=DENY">Deny it</a>`);
    const without = composeNewRequestEmail({ organizationName: "Contoso", adminName: "A", request, requestsUrl: URL });
    expect(without.text).not.toContain("/decide");
  });

  it("appear in the digest under the requests they belong to", () => {
    const links = { ...decisionLinkUrls("https://l.example", "u".repeat(43)), secret: "u".repeat(43), expiresAt: new Date("2026-12-08T10:00:00Z") };
    const other: NoticeRequest = { ...request, id: 8, requesterName: "Lee Gu" };
    const email = composeDigestEmail({
      organizationName: "Contoso",
      adminName: "A",
      day: new Date("2026-12-01T00:00:00Z"),
      requests: [request, other],
      total: 2,
      requestsUrl: URL,
      links: new Map([[8, links]]),
    });
    expect(email.text).toContain(`Approve Lee Gu's request: ${links.approveUrl}`);
    expect(email.text).toContain(`Deny Lee Gu's request: ${links.denyUrl}`);
    expect(email.text).not.toContain(`Approve Adele`);
  });
});

// PUBLIC_URL, which the notices link through, is test/unit/config.test.ts's.
describe("the configuration of notices", () => {
  it("moves the clock through TEST_CLOCK_FILE only under NODE_ENV=test", () => {
    expect(loadConfig({ NODE_ENV: "test", TEST_CLOCK_FILE: "/tmp/offset" }).testClockFile).toBe("/tmp/offset");
    expect(() => loadConfig({ TEST_CLOCK_FILE: "/tmp/offset" })).toThrow(/TEST_CLOCK_FILE: only with NODE_ENV=test/);
  });
});
