import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import { parse } from "yaml";
import * as z from "zod";

/**
 * The gateway's mapping file: which Loopgate workflow and action each upstream tool's calls become.
 * Every tool is gated unless the file says `passThrough: true` for it by name: a tool the file does not
 * mention becomes the action of the same name in the default workflow, so a tool the upstream adds
 * later is gated too, never waved through.
 *
 * ```yaml
 * workflow: assistant.tools        # the default workflow
 * tools:
 *   send_email: { action: send_email }
 *   delete_file: { riskClass: high }
 *   refund: { workflow: payments.refunds, action: refund, confidence: 0.95 }
 *   search_orders: { passThrough: true }
 * ```
 */

const name = z.string().min(1).max(200);
const riskClass = z.string().min(1).max(100);
const confidence = z.number().min(0).max(1);

const ToolMapping = z.strictObject({
  workflow: name.optional(),
  action: name.optional(),
  riskClass: riskClass.optional(),
  confidence: confidence.optional(),
  passThrough: z.boolean().optional(),
});

const MappingFile = z.strictObject({
  workflow: name.optional(),
  confidence: confidence.optional(),
  /** The policy's names for the classes the tools' annotations suggest (see riskClassOf). */
  riskClasses: z
    .strictObject({
      destructive: riskClass.optional(),
      readOnly: riskClass.optional(),
      other: riskClass.optional(),
    })
    .optional(),
  tools: z.record(z.string().min(1), ToolMapping).optional(),
});

export type GatewayMapping = z.infer<typeof MappingFile>;

/** A mapping file the gateway cannot use, with the field at fault in the message. */
export class MappingError extends Error {}

/** Reads a mapping file's text (YAML or JSON); `defaultWorkflow` (the --workflow flag) wins over the file's. */
export function parseMapping(text: string, source: string, defaultWorkflow?: string): GatewayMapping {
  let data: unknown;
  try {
    data = parse(text) ?? {};
  } catch (err) {
    throw new MappingError(`${source}: not YAML: ${(err as Error).message}`);
  }
  const parsed = MappingFile.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const at = issue?.path.length ? issue.path.join(".") : "(top level)";
    throw new MappingError(`${source}: ${at}: ${issue?.message ?? "invalid"}`);
  }
  const mapping = { ...parsed.data, ...(defaultWorkflow !== undefined && { workflow: defaultWorkflow }) };
  for (const [tool, m] of Object.entries(mapping.tools ?? {})) {
    if (m.passThrough && (m.workflow || m.action || m.riskClass || m.confidence !== undefined)) {
      throw new MappingError(
        `${source}: tools.${tool}: a passThrough tool is not gated, so it takes no case fields`,
      );
    }
    if (!m.passThrough && !m.workflow && !mapping.workflow) {
      throw new MappingError(`${source}: tools.${tool}: no workflow, and the file names no default workflow`);
    }
  }
  return mapping;
}

/** What one tools/call becomes: passed straight to the upstream, or a case in a workflow. */
export type ToolRoute =
  | { passThrough: true }
  | { passThrough: false; workflow: string; action: string; riskClass: string; confidence: number };

/**
 * A tool call carries no confidence, so the gateway submits the mapping's (default 0): by default
 * only the policy's boundary and risk class decide, and no threshold above 0 lets a call through alone.
 */
const DEFAULT_CONFIDENCE = 0;

/** The route of a call to `tool`; undefined when neither the tool nor the file names a workflow. */
export function routeOf(
  mapping: GatewayMapping,
  tool: Pick<Tool, "name" | "annotations">,
): ToolRoute | undefined {
  const m = mapping.tools?.[tool.name];
  if (m?.passThrough === true) return { passThrough: true };
  const workflow = m?.workflow ?? mapping.workflow;
  if (workflow === undefined) return undefined;
  return {
    passThrough: false,
    workflow,
    action: m?.action ?? tool.name,
    riskClass: m?.riskClass ?? riskClassOf(tool.annotations, mapping.riskClasses),
    confidence: m?.confidence ?? mapping.confidence ?? DEFAULT_CONFIDENCE,
  };
}

/**
 * The risk class a tool's annotations suggest when the mapping names none: destructive → high,
 * read-only → low, anything else → medium, the three classes of the example policies (invoice,
 * support, outreach). `destructiveHint` defaults to true in the specification only for tools that are
 * not read-only, and an unannotated tool is medium here rather than high: the annotations are the
 * upstream's own hints, untrusted, so a tool that matters gets its class in the mapping file.
 */
export function riskClassOf(
  annotations: Tool["annotations"],
  names: GatewayMapping["riskClasses"] = {},
): string {
  if (annotations?.destructiveHint === true) return names.destructive ?? "high";
  if (annotations?.readOnlyHint === true) return names.readOnly ?? "low";
  return names.other ?? "medium";
}
