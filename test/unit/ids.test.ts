/** Opaque global IDs (src/services/shared/ids.ts): base64url("Type:localId"); anything else names nothing. */
import { fromGlobalId, localIdOf, toGlobalId } from "../../src/services/shared/ids";

const encode = (text: string) => Buffer.from(text, "utf8").toString("base64url");

describe("global IDs", () => {
  it("round-trips a type and a local ID", () => {
    const id = toGlobalId("LicenseRequest", 42);
    expect(id).toBe(encode("LicenseRequest:42"));
    expect(fromGlobalId(id)).toEqual({ type: "LicenseRequest", localId: 42 });
    expect(localIdOf(id, "LicenseRequest")).toBe(42);
  });

  it("round-trips the largest local ID a 32-bit column holds", () => {
    expect(localIdOf(toGlobalId("User", 2_147_483_647), "User")).toBe(2_147_483_647);
  });

  it("gives null for an ID of another type", () => {
    expect(localIdOf(toGlobalId("User", 7), "Product")).toBeNull();
  });

  it.each([
    ["an empty string", ""],
    ["characters outside base64url", "VXNlcjo3!"],
    ["standard base64 with '+' and '/'", "+/+/"],
    ["plain text that is not an encoded ID", "User:7"],
    ["an unknown type name", encode("Invoice:7")],
    ["a lower-case type name", encode("user:7")],
    ["a non-numeric local ID", encode("User:abc")],
    ["a negative local ID", encode("User:-7")],
    ["a zero local ID", encode("User:0")],
    ["a leading zero", encode("User:07")],
    ["a fractional local ID", encode("User:7.5")],
    ["an exponent", encode("User:1e3")],
    ["a local ID past 2^31 - 1", encode("User:2147483648")],
    ["trailing characters", encode("User:7 ")],
    ["no separator", encode("User7")],
    ["an ID longer than 100 characters", encode(`User:${"1".repeat(80)}`)],
  ])("gives null for %s", (_what, id) => {
    expect(fromGlobalId(id)).toBeNull();
    expect(localIdOf(id, "User")).toBeNull();
  });

  it("gives null for a value that is not a string at all", () => {
    expect(fromGlobalId(undefined as unknown as string)).toBeNull();
    expect(fromGlobalId(7 as unknown as string)).toBeNull();
  });
});
