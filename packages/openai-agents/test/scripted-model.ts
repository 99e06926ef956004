import type { AgentInputItem, Model, ModelRequest, ModelResponse } from "@openai/agents";
import { Usage } from "@openai/agents";

/**
 * A stand-in model with no provider and no network. It behaves as a well-mannered agent: it calls
 * `toolName` with the first arguments of `plan`, and after each result calls again with the next
 * arguments only when the result says `retry: true`; otherwise it answers and stops. It keeps no state
 * (where it is in the plan comes from the conversation), so a run resumed in "another process" with a
 * new instance carries on. `seen` collects the tool results it was shown.
 */
export class ScriptedModel implements Model {
  constructor(
    private readonly toolName: string,
    private readonly plan: unknown[],
    readonly seen: string[] = [],
  ) {}

  async getResponse(request: ModelRequest): Promise<ModelResponse> {
    const items: AgentInputItem[] = Array.isArray(request.input) ? request.input : [];
    const calls = items.filter((i) => i.type === "function_call").length;
    const last = items.at(-1);
    if (last?.type === "function_call_result") {
      const output = last.output;
      const text =
        typeof output === "string"
          ? output
          : !Array.isArray(output) && output.type === "text"
            ? output.text
            : "";
      this.seen.push(text);
      if (retryAllowed(text) && calls < this.plan.length) return this.call(calls);
      return {
        usage: new Usage(),
        output: [
          {
            type: "message",
            role: "assistant",
            status: "completed",
            content: [{ type: "output_text", text: "done" }],
          },
        ],
      };
    }
    return this.call(calls);
  }

  // biome-ignore lint/correctness/useYield: the runs under test never stream
  async *getStreamedResponse(): AsyncIterable<never> {
    throw new Error("ScriptedModel does not stream");
  }

  private call(index: number): ModelResponse {
    return {
      usage: new Usage(),
      output: [
        {
          type: "function_call",
          callId: `call-${crypto.randomUUID()}`,
          name: this.toolName,
          status: "completed",
          arguments: JSON.stringify(this.plan[index]),
        },
      ],
    };
  }
}

function retryAllowed(text: string): boolean {
  try {
    return (JSON.parse(text) as { retry?: unknown }).retry === true;
  } catch {
    return false;
  }
}
