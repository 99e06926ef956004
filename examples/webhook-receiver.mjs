// A webhook receiver to watch Loopgate's decisions arrive: `node examples/webhook-receiver.mjs`.
//
// It listens on 127.0.0.1, and Loopgate never sends webhooks to loopback unless the operator allows it:
// start the server with LOOPGATE_CALLBACK_ALLOW=127.0.0.1:9090 (or `loopgate serve --callback-allow
// 127.0.0.1:9090`), else the case's events say the delivery was "refused by policy".
//
// Set LOOPGATE_SIGNING_SECRET to the signingSecret of the key that submits the cases to verify
// signatures (POST /v1/keys or `loopgate keys create` print it). Webhooks follow Standard Webhooks
// (https://www.standardwebhooks.com): any of its libraries verifies them, e.g. with `standardwebhooks`:
//   new Webhook(secret).verify(body, req.headers)
// This file does the same by hand, with Node's crypto only.
import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer } from "node:http";

const port = Number(process.env.PORT ?? 9090);
const secret = process.env.LOOPGATE_SIGNING_SECRET;

function verified(headers, body) {
  if (!secret) return "not checked (set LOOPGATE_SIGNING_SECRET)";
  const id = headers["webhook-id"];
  const timestamp = headers["webhook-timestamp"];
  const signatures = (headers["webhook-signature"] ?? "").split(" ");
  // Refuse old deliveries, so a captured one cannot be replayed later.
  if (!id || !/^\d+$/.test(timestamp ?? "") || Math.abs(Date.now() / 1000 - Number(timestamp)) > 300) {
    return "INVALID (missing headers or stale timestamp)";
  }
  const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
  const expected = Buffer.from(
    `v1,${createHmac("sha256", key).update(`${id}.${timestamp}.${body}`).digest("base64")}`,
  );
  // During a secret rotation there are two signatures, space-separated: one must match.
  const ok = signatures.some(
    (s) => s.length === expected.length && timingSafeEqual(Buffer.from(s), expected),
  );
  return ok ? "valid" : "INVALID";
}

createServer((req, res) => {
  let body = "";
  req.on("data", (c) => {
    body += c;
  });
  req.on("end", () => {
    const signature = verified(req.headers, body);
    console.log(
      `\n${new Date().toISOString()} webhook ${req.headers["webhook-id"]} (signature ${signature}):\n${body}`,
    );
    res.writeHead(204).end();
  });
}).listen(port, "127.0.0.1", () => console.log(`listening for webhooks on http://127.0.0.1:${port}/hook`));
