/** Webhooks' pure rules, the secret box, and the configuration's defaults (api.md "Nothing missed"). */
import { loadConfig } from "../../src/config";
import { retryDelay } from "../../src/infra/webhookDispatcher";
import { organizationContext, SecretBox } from "../../src/services/shared/secretBox";
import { addressRefusal, checkUrl, eventType, kindBit, kindsMask, kindsOf, literalAddress } from "../../src/services/webhooks/rules";

describe("webhook rules", () => {
  it("stores kinds as a bit mask, duplicates once, none as every kind, and never the internal kinds", () => {
    expect(kindsMask(["APPROVED", "DENIED", "APPROVED"])).toBe(kindBit("APPROVED")! | kindBit("DENIED")!);
    expect(kindsOf(kindsMask(["DENIED", "SUBMITTED", "DENIED"]))).toEqual(["SUBMITTED", "DENIED"]);
    expect(kindsMask([])).toBe(0);
    expect(kindsMask(null)).toBe(0);
    expect(kindsOf(0)).toEqual([]);
    expect(kindBit("SHARED")).toBeNull();
    expect(kindBit("SHARE_REVOKED")).toBeNull();
    expect(eventType("PARTIALLY_APPROVED")).toBe("license_request.partially_approved");
  });

  it("accepts https URLs and refuses http (unless allowed), credentials, fragments, garbage and overlong ones", () => {
    const error = (url: string, allow = false) => {
      const checked = checkUrl(url, allow, ["url"]);
      return "error" in checked ? checked.error.message : null;
    };
    expect(error("https://hooks.example.com/licenses")).toBeNull();
    expect(error("http://hooks.example.com/")).toBe("The URL must be https.");
    expect(error("http://127.0.0.1:3000/", true)).toBeNull();
    expect(error("https://a:b@hooks.example.com/")).toContain("credentials");
    expect(error("https://hooks.example.com/#x")).toContain("fragment");
    expect(error("hooks.example.com")).toContain("absolute");
    expect(error(`https://hooks.example.com/${"x".repeat(1_980)}`)).toContain("2000");
  });

  it("names the range of every address that is not public unicast", () => {
    expect(addressRefusal("10.0.0.1")).toBe("a private address");
    expect(addressRefusal("192.168.1.1")).toBe("a private address");
    expect(addressRefusal("127.0.0.1")).toBe("a loopback address");
    expect(addressRefusal("::1")).toBe("a loopback address");
    expect(addressRefusal("169.254.169.254")).toBe("a link-local address");
    expect(addressRefusal("fe80::1")).toBe("a link-local address");
    expect(addressRefusal("fd12::1")).toBe("a unique-local address");
    expect(addressRefusal("224.0.0.1")).toBe("a multicast address");
    expect(addressRefusal("::ffff:10.0.0.1")).toBe("a private address");
    expect(addressRefusal("0.0.0.0")).toBe("an unspecified address");
    expect(addressRefusal("93.184.215.14")).toBeNull();
    expect(addressRefusal("2606:4700::1111")).toBeNull();
    expect(literalAddress("[::1]")).toBe("::1");
    expect(literalAddress("hooks.example.com")).toBeNull();
  });

  it("waits about 5 s, 1 min, 10 min, 1 h, 6 h and 24 h after each failed attempt, then gives up", () => {
    const config = loadConfig({});
    expect(config.webhooks.retryDelaysMs).toEqual([5_000, 60_000, 600_000, 3_600_000, 21_600_000, 86_400_000]);
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => retryDelay(n, config.webhooks.retryDelaysMs))).toEqual([
      5_000,
      60_000,
      600_000,
      3_600_000,
      21_600_000,
      86_400_000,
      null,
    ]);
  });

  it("configures a 10 s attempt, https and public addresses only, and no key in production unless given", () => {
    const config = loadConfig({});
    expect(config.webhooks).toMatchObject({ timeoutMs: 10_000, allowPrivate: false });
    expect(config.webhooks.secretKey).toBeDefined();
    expect(loadConfig({ WEBHOOK_ALLOW_PRIVATE: "true" }).webhooks.allowPrivate).toBe(true);
    expect(loadConfig({ NODE_ENV: "production", JWT_SECRET: "s".repeat(40) }).webhooks.secretKey).toBeUndefined();
    expect(() => loadConfig({ WEBHOOK_SECRET_KEY: "short" })).toThrow(/WEBHOOK_SECRET_KEY/);
    expect(() => loadConfig({ WEBHOOK_CLAIM_MS: "5000", WEBHOOK_TIMEOUT_MS: "10000" })).toThrow(/WEBHOOK_CLAIM_MS/);
    expect(() => loadConfig({ WEBHOOK_RETRY_DELAYS_MS: "5, x" })).toThrow(/WEBHOOK_RETRY_DELAYS_MS/);
  });

  it("seals a secret so that only the same key and organization open it", () => {
    const box = new SecretBox("k".repeat(40));
    const sealed = box.seal("whsec_abc", organizationContext(1));
    expect(sealed).not.toContain("abc");
    expect(box.open(sealed, organizationContext(1))).toBe("whsec_abc");
    expect(() => box.open(sealed, organizationContext(2))).toThrow();
    expect(() => new SecretBox("j".repeat(40)).open(sealed, organizationContext(1))).toThrow();
  });
});
