import { describe, expect, it } from "vitest";
import { SIGNATURE_HEADER, signPayload, verifySignature } from "../../src/webhooks/signature.js";

const SECRET = "whsec_test";
const TS = 1_700_000_000;
const NOW = TS * 1000;
const BODY = '{"a":1}';

describe("webhook signatures", () => {
  it("signs t=<seconds>,v1=<HMAC-SHA256 of t.body> (checked against openssl)", () => {
    // printf '1700000000.{"a":1}' | openssl dgst -sha256 -hmac whsec_test
    expect(signPayload(SECRET, TS, BODY)).toBe(
      "t=1700000000,v1=38877139021993b830af32feea6e18a8da83eb2f6e49ee50bd9e4cf4ca4d3789",
    );
    expect(SIGNATURE_HEADER).toBe("Loopgate-Signature");
  });

  it("accepts its own signature within the tolerance", () => {
    const header = signPayload(SECRET, TS, BODY);
    expect(verifySignature(SECRET, header, BODY, { now: NOW })).toBe(true);
    expect(verifySignature(SECRET, header, BODY, { now: NOW + 300_000 })).toBe(true);
    expect(verifySignature(SECRET, header.replace("v1=", " v1="), BODY, { now: NOW })).toBe(true);
  });

  it("rejects a tampered body and a wrong secret", () => {
    const header = signPayload(SECRET, TS, BODY);
    expect(verifySignature(SECRET, header, '{"a":2}', { now: NOW })).toBe(false);
    expect(verifySignature(SECRET, header, `${BODY} `, { now: NOW })).toBe(false);
    expect(verifySignature("whsec_other", header, BODY, { now: NOW })).toBe(false);
  });

  it("rejects an old timestamp, and one from too far in the future", () => {
    const header = signPayload(SECRET, TS, BODY);
    expect(verifySignature(SECRET, header, BODY, { now: NOW + 301_000 })).toBe(false);
    expect(verifySignature(SECRET, header, BODY, { now: NOW - 301_000 })).toBe(false);
    expect(verifySignature(SECRET, header, BODY, { now: NOW + 3_600_000, toleranceSeconds: 7200 })).toBe(
      true,
    );
  });

  it("rejects a re-dated signature: the timestamp is part of what is signed", () => {
    const [, v1] = signPayload(SECRET, TS, BODY).split(",");
    expect(verifySignature(SECRET, `t=${TS + 60},${v1}`, BODY, { now: NOW })).toBe(false);
  });

  it("rejects missing and malformed headers without throwing", () => {
    for (const header of [
      undefined,
      null,
      "",
      "garbage",
      `t=${TS}`,
      "v1=abc",
      `t=abc,v1=${"0".repeat(64)}`,
    ]) {
      expect(verifySignature(SECRET, header, BODY, { now: NOW })).toBe(false);
    }
    expect(verifySignature(SECRET, `t=${TS},v1=${"0".repeat(63)}`, BODY, { now: NOW })).toBe(false);
  });

  it("accepts a header listing several signatures when one matches (secret rotation)", () => {
    const good = signPayload(SECRET, TS, BODY).split(",")[1];
    const other = signPayload("whsec_old", TS, BODY).split(",")[1];
    expect(verifySignature(SECRET, `t=${TS},${other},${good}`, BODY, { now: NOW })).toBe(true);
  });
});
