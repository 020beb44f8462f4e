/**
 * An email's secret in the outbox (src/services/shared/outbox.ts): the stored
 * bodies hold a placeholder where it goes and the secret a column of its own;
 * putting it back gives the email as composed; text someone typed that looks
 * like a placeholder is never filled; a secret in the subject, missing from
 * the body, or not shaped for a link is a programming error.
 */
import type { OutboxEmailEntity, UserEntity } from "../../src/entities";
import { renderEmail } from "../../src/services/shared/email";
import { OutboxEmail, secretPlaceholder, withSecrets, writeOutboxEmails } from "../../src/services/shared/outbox";
import type { UnitOfWork } from "../../src/services/shared/unitOfWork";

const lee = { id: 7, email: "lee@contoso.example", displayName: "Lee Gu" } as UserEntity;
const SECRET = "abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJ_0123";

/** Writes `emails` into a unit of work that keeps the rows instead of inserting them. */
async function stored(emails: OutboxEmail[]): Promise<Partial<OutboxEmailEntity>[]> {
  const rows: Partial<OutboxEmailEntity>[] = [];
  const unit = {
    manager: { getRepository: () => ({ insert: async (values: Partial<OutboxEmailEntity>[]) => void rows.push(...values) }) },
    wakeOutbox: () => undefined,
  } as unknown as UnitOfWork;
  await writeOutboxEmails(unit, { organizationId: 1, requestId: 2, at: new Date(0) }, emails);
  return rows;
}

const linkEmail = (message: string, secret = SECRET) =>
  renderEmail("Your opinion?", [message, { link: { label: "Answer here", url: `https://licenses.example/recommend?token=${secret}` } }]);

describe("an email's secret in the outbox", () => {
  it("is stored apart: the bodies hold its placeholder, and filling it in gives the email as composed", async () => {
    const email = linkEmail("Hello");
    const [row] = await stored([{ to: lee, email, secrets: [SECRET] }]);
    expect(row.secret).toBe(SECRET);
    for (const body of [row.textBody!, row.htmlBody!]) {
      expect(body).not.toContain(SECRET);
      expect(body).toContain(`token=${secretPlaceholder(SECRET)}`);
    }
    expect(withSecrets(row.textBody!, SECRET)).toBe(email.text);
    expect(withSecrets(row.htmlBody!, SECRET)).toBe(email.html);
  });

  it("fills no placeholder someone typed: another secret's, or one made up", async () => {
    const typed = `See {{secret:0123456789abcdef}} and ${secretPlaceholder("x".repeat(43))}`;
    const email = linkEmail(typed);
    const [row] = await stored([{ to: lee, email, secrets: [SECRET] }]);
    expect(withSecrets(row.textBody!, SECRET)).toBe(email.text);
    expect(withSecrets(row.textBody!, SECRET).split(SECRET)).toHaveLength(2);
  });

  it("stores an email without a secret as it is", async () => {
    const email = renderEmail("Approved", ["Hello"]);
    expect(await stored([{ to: lee, email }])).toEqual([expect.objectContaining({ textBody: email.text, htmlBody: email.html, secret: null })]);
  });

  it("refuses a secret in the subject, missing from the body, or not shaped for a link", async () => {
    await expect(stored([{ to: lee, email: renderEmail(`Token ${SECRET}`, [SECRET]), secrets: [SECRET] }])).rejects.toThrow(/subject/);
    await expect(stored([{ to: lee, email: renderEmail("Hi", ["no link"]), secrets: [SECRET] }])).rejects.toThrow(/body/);
    await expect(stored([{ to: lee, email: linkEmail("Hi", "a b&c<d>efghijklmnop"), secrets: ["a b&c<d>efghijklmnop"] }])).rejects.toThrow(/characters/);
  });
});
