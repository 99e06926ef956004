import { randomUUID } from "node:crypto";
import type { CaseRecord, NewOutboxMessage } from "../../store/index.js";
import { isShadow } from "../../store/index.js";

/**
 * The outbox row that carries a webhook about a reviewed case to its `callbackUrl`, signed for the key
 * that submitted it; none when the case has no callback. A shadow case has none anyway; the check keeps
 * it so if that ever changes. `body` is only built when there is somewhere to send it.
 */
export function callbackMessage(
  c: CaseRecord,
  body: () => string,
  now: number,
  notBefore?: number,
): NewOutboxMessage | undefined {
  if (!c.callbackUrl || isShadow(c)) return undefined;
  return {
    id: `whk_${randomUUID()}`,
    caseId: c.id,
    keyId: c.submittedBy,
    url: c.callbackUrl,
    body: body(),
    createdAt: now,
    ...(notBefore !== undefined && { notBefore }),
  };
}
