import { randomUUID } from "node:crypto";
import { MockLanguageModelV3 } from "ai/test";

const usage = {
  inputTokens: { total: 1, noCache: 1, cacheRead: 0, cacheWrite: 0 },
  outputTokens: { total: 1, text: 1, reasoning: 0 },
};

/** What a tool call came back as, in the prompt the model gets next. */
export interface SeenResult {
  type: string;
  value?: unknown;
  reason?: string;
}

/**
 * A stand-in model that behaves as a well-mannered agent: it calls `toolName` with the first arguments
 * of `plan`, and after each result calls again with the next arguments only when the result says
 * `retry: true`; otherwise it answers and stops. `seen` records every tool result it was shown.
 */
export function scriptedModel(toolName: string, plan: unknown[]) {
  const seen: SeenResult[] = [];
  let next = 0;
  const call = () => ({
    content: [
      {
        type: "tool-call" as const,
        toolCallId: `call-${randomUUID()}`,
        toolName,
        input: JSON.stringify(plan[next++]),
      },
    ],
    finishReason: { unified: "tool-calls" as const, raw: undefined },
    usage,
    warnings: [],
  });
  const model = new MockLanguageModelV3({
    doGenerate: async ({ prompt }) => {
      const last = prompt.at(-1);
      if (last?.role !== "tool") return call();
      const part = last.content.find((p) => p.type === "tool-result");
      const output = (part && "output" in part ? part.output : { type: "none" }) as SeenResult;
      seen.push(output);
      const value = output.type === "execution-denied" ? JSON.parse(output.reason ?? "{}") : output.value;
      const retry = (value as { retry?: unknown } | undefined)?.retry === true;
      if (retry && next < plan.length) return call();
      return {
        content: [{ type: "text" as const, text: "done" }],
        finishReason: { unified: "stop" as const, raw: undefined },
        usage,
        warnings: [],
      };
    },
  });
  return { model, seen };
}
