// A webhook receiver to watch Loopgate's decisions arrive: `node examples/webhook-receiver.mjs`.
// Set LOOPGATE_SIGNING_SECRET to the signingSecret of the key that submits the cases to verify
// signatures (POST /v1/keys or `loopgate keys create` print it).
import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer } from "node:http";

const port = Number(process.env.PORT ?? 9090);
const secret = process.env.LOOPGATE_SIGNING_SECRET;

function verified(header, body) {
  if (!secret) return "not checked (set LOOPGATE_SIGNING_SECRET)";
  const parts = Object.fromEntries((header ?? "").split(",").map((kv) => kv.split("=")));
  const expected = createHmac("sha256", secret).update(`${parts.t}.${body}`).digest("hex");
  const ok =
    parts.v1?.length === expected.length && timingSafeEqual(Buffer.from(parts.v1), Buffer.from(expected));
  return ok ? "valid" : "INVALID";
}

createServer((req, res) => {
  let body = "";
  req.on("data", (c) => {
    body += c;
  });
  req.on("end", () => {
    const signature = verified(req.headers["loopgate-signature"], body);
    console.log(`\n${new Date().toISOString()} webhook (signature ${signature}):\n${body}`);
    res.writeHead(204).end();
  });
}).listen(port, "127.0.0.1", () => console.log(`listening for webhooks on http://127.0.0.1:${port}/hook`));
