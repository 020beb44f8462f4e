/**
 * A webhook receiver, as an integration would write one: it verifies each
 * POST with the `standardwebhooks` package (the signature over the exact
 * body bytes, the id and the timestamp, within five minutes), drops a
 * delivery it has already handled (same `webhook-id`), and answers 2xx fast.
 *
 *   WEBHOOK_SECRET=whsec_… PORT=3000 node examples/webhook-receiver.js
 *
 * Register http://127.0.0.1:3000/webhooks with createWebhookEndpoint (on a
 * server with WEBHOOK_ALLOW_PRIVATE=true for a local receiver; in production
 * the URL must be https and public) and put the secret it answers in
 * WEBHOOK_SECRET. Answer 410 Gone to have the endpoint disabled.
 */
"use strict";
const http = require("node:http");
const { Webhook, WebhookVerificationError } = require("standardwebhooks");

const secret = process.env.WEBHOOK_SECRET;
if (!secret || !secret.startsWith("whsec_")) {
  console.error("Set WEBHOOK_SECRET to the secret createWebhookEndpoint answered (whsec_…).");
  process.exit(1);
}
const webhook = new Webhook(secret);
/** The ids handled lately: a redelivery (same webhook-id) is acknowledged and not handled twice. */
const seen = new Set();

const server = http.createServer((req, res) => {
  if (req.method !== "POST" || req.url !== "/webhooks") {
    res.writeHead(404).end();
    return;
  }
  const chunks = [];
  let size = 0;
  req.on("data", (chunk) => {
    size += chunk.length;
    if (size > 1024 * 1024) req.destroy();
    else chunks.push(chunk);
  });
  req.on("end", () => {
    // Verify the raw bytes: parsing and re-serialising the JSON would change them.
    const body = Buffer.concat(chunks).toString("utf8");
    let event;
    try {
      event = webhook.verify(body, req.headers);
    } catch (error) {
      res.writeHead(error instanceof WebhookVerificationError ? 401 : 400).end();
      return;
    }
    const id = req.headers["webhook-id"];
    if (!seen.has(id)) {
      seen.add(id);
      if (seen.size > 10_000) seen.delete(seen.values().next().value);
      const { event: entry, licenseRequest } = event.data;
      console.log(`${event.type} ${entry.kind} at ${entry.at}: request ${licenseRequest?.id} is ${licenseRequest?.status} (cursor ${entry.cursor})`);
    }
    res.writeHead(204).end();
  });
});

server.listen(Number(process.env.PORT ?? 3000), "127.0.0.1", () => console.log(`listening on http://127.0.0.1:${server.address().port}/webhooks`));
