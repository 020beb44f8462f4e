/** The pure rules of second opinions (src/services/recommendations/rules.ts), the link's secret, and the email's escaping. */
import type { LicenseRequestEntity, LicenseRequestShareEntity } from "../../src/entities";
import { answerRefusal, revokeRefusal, shareExpiry, shareInputErrors } from "../../src/services/recommendations/rules";
import { hashShareToken, isShareTokenShaped, newShareToken } from "../../src/services/recommendations/tokens";
import { composeShareEmail } from "../../src/services/recommendations/emails";

const DAY = 24 * 60 * 60 * 1000;
const now = new Date(Date.parse("2026-11-24T12:00:00Z"));
const codes = (errors: { code: string; field: string[] | null }[]) => errors.map((e) => `${e.code} ${e.field?.join(".")}`);

describe("second-opinion rules", () => {
  it("bounds the people (1–10, a person named twice counted once), the subject (200) and the message (1,000)", () => {
    expect(shareInputErrors({ userIds: [] })).toHaveLength(1);
    expect(shareInputErrors({ userIds: Array.from({ length: 10 }, (_, i) => i + 1) })).toEqual([]);
    expect(codes(shareInputErrors({ userIds: Array.from({ length: 11 }, (_, i) => i + 1) }))).toEqual(["INVALID_INPUT userIds"]);
    expect(shareInputErrors({ userIds: Array.from({ length: 11 }, () => 7) })).toEqual([]);
    expect(codes(shareInputErrors({ userIds: [1], subject: "s".repeat(201), message: "m".repeat(1001) }))).toEqual([
      "INVALID_INPUT subject",
      "INVALID_INPUT message",
    ]);
    // Surrounding blanks do not count.
    expect(shareInputErrors({ userIds: [1], subject: ` ${"s".repeat(200)} `, message: ` ${"m".repeat(1000)}\n` })).toEqual([]);
  });

  it("lets a link work for 7 days, or until the request expires when that is sooner", () => {
    expect(shareExpiry(now, { expiresAt: new Date(now.getTime() + 30 * DAY) })).toEqual(new Date(now.getTime() + 7 * DAY));
    expect(shareExpiry(now, { expiresAt: new Date(now.getTime() + 2 * DAY) })).toEqual(new Date(now.getTime() + 2 * DAY));
  });

  it("refuses a used link, a decided or expired request, and an expired link, each with its reason", () => {
    const fresh = { usedAt: null, revokedAt: null, expiresAt: new Date(now.getTime() + DAY) };
    const pending = { status: "PENDING" as const, expiresAt: new Date(now.getTime() + 10 * DAY) };
    expect(answerRefusal(fresh, pending, now)).toBeNull();
    expect(answerRefusal({ ...fresh, usedAt: now }, pending, now)?.message).toMatch(/already used/);
    expect(answerRefusal(fresh, { ...pending, status: "APPROVED" }, now)?.message).toMatch(/already approved/);
    expect(answerRefusal(fresh, { ...pending, expiresAt: now }, now)?.message).toMatch(/already expired/);
    expect(answerRefusal({ ...fresh, expiresAt: now }, pending, now)).toMatchObject({ code: "CONFLICT", message: expect.stringMatching(/link expired/) });
  });

  it("refuses a withdrawn link before anything else, saying an admin withdrew it", () => {
    const withdrawn = { usedAt: null, revokedAt: new Date(now.getTime() - DAY), expiresAt: now };
    const decided = { status: "DENIED" as const, expiresAt: new Date(now.getTime() + 10 * DAY) };
    expect(answerRefusal(withdrawn, decided, now)).toEqual({
      code: "CONFLICT",
      message: expect.stringContaining("This link was withdrawn by an admin on 2026-11-23"),
      field: ["shareToken"],
    });
  });

  it("withdraws only a link that could still answer, and says why not otherwise", () => {
    type Share = Pick<LicenseRequestShareEntity, "usedAt" | "revokedAt" | "expiresAt">;
    type Request = Pick<LicenseRequestEntity, "status" | "expiresAt">;
    const fresh: Share = { usedAt: null, revokedAt: null, expiresAt: new Date(now.getTime() + DAY) };
    const pending: Request = { status: "PENDING", expiresAt: new Date(now.getTime() + 10 * DAY) };
    const refusal = (share: Share, request = pending) => revokeRefusal(share, request, now);
    expect(refusal(fresh)).toBeNull();
    const cases: [ReturnType<typeof revokeRefusal>, RegExp][] = [
      [refusal({ ...fresh, revokedAt: now }), /already withdrawn on 2026-11-24/],
      [refusal({ ...fresh, usedAt: now }), /already used/],
      [refusal(fresh, { ...pending, status: "PARTIALLY_APPROVED" }), /already partially approved \(PARTIALLY_APPROVED\)/],
      [refusal(fresh, { ...pending, expiresAt: now }), /already expired \(EXPIRED\)/],
      [refusal({ ...fresh, expiresAt: now }), /link already expired on 2026-11-24/],
    ];
    for (const [error, message] of cases) expect(error).toEqual({ code: "CONFLICT", message: expect.stringMatching(message), field: ["shareId"] });
  });

  it("makes secrets of 256 bits, recognises their shape, and stores only their hash", () => {
    const token = newShareToken();
    expect(isShareTokenShaped(token)).toBe(true);
    expect(Buffer.from(token, "base64url")).toHaveLength(32);
    expect(newShareToken()).not.toBe(token);
    expect(isShareTokenShaped(`${token}x`)).toBe(false);
    expect(isShareTokenShaped("a b")).toBe(false);
    expect(hashShareToken(token)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashShareToken(token)).not.toContain(token);
  });

  it("escapes every text in the email's HTML and keeps line breaks out of the subject", () => {
    const email = composeShareEmail({
      organizationName: "Contoso",
      recipientName: "<Lee>",
      adminName: "Admin & co",
      productName: 'Power "BI"',
      requesterName: "Adele",
      recipientNames: ["Adele", "<script>x</script>"],
      justification: "<img src=x onerror=alert(1)>",
      subject: "Line\r\nBcc: evil@example.com",
      message: "<b>hi</b>",
      link: "https://licenses.example/recommend?token=abc&x=<y>",
      expiresAt: new Date(now.getTime() + 7 * DAY),
    });
    expect(email.subject).toBe("Line Bcc: evil@example.com");
    expect(email.html).not.toMatch(/<(script|img|b>)/);
    expect(email.html).toContain("&lt;script&gt;x&lt;/script&gt;");
    expect(email.html).toContain('href="https://licenses.example/recommend?token=abc&amp;x=&lt;y&gt;"');
    expect(email.text).toContain("https://licenses.example/recommend?token=abc&x=<y>");
  });
});
