import { InMemoryTaskStore } from "@modelcontextprotocol/sdk/experimental/tasks/stores/in-memory.js";
import type { RequestHandlerExtra } from "@modelcontextprotocol/sdk/shared/protocol.js";
import type {
  CallToolResult,
  CreateTaskResult,
  ServerNotification,
  ServerRequest,
  Task,
} from "@modelcontextprotocol/sdk/types.js";

/**
 * MCP tasks (experimental in the SDK 1.x and the 2025-11-25 specification): a host that asks for a
 * gated tools/call as a task gets the task at once and its result when the case is decided and the
 * upstream has run, however long that takes, instead of a "pending" answer to ask again. tasks/get,
 * tasks/result, tasks/list and tasks/cancel are answered by the SDK from the server's task store.
 */
export const TASKS = { list: {}, cancel: {}, requests: { tools: { call: {} } } };

/** A task without a ttl waits for its decision this long at most. */
const TASK_MAX_WAIT_SECONDS = 86_400;

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;

/**
 * The SDK's in-memory task store, which also aborts a task's work the moment the host cancels it
 * (tasks/cancel sets the status through this store), rather than at the next heartbeat.
 */
export class GatewayTaskStore extends InMemoryTaskStore {
  readonly #running = new Map<string, AbortController>();

  /** The signal that aborts the task's work when it is cancelled. */
  watch(taskId: string): AbortSignal {
    const controller = new AbortController();
    this.#running.set(taskId, controller);
    return controller.signal;
  }

  done(taskId: string): void {
    this.#running.delete(taskId);
  }

  override async updateTaskStatus(
    taskId: string,
    status: Task["status"],
    statusMessage?: string,
    sessionId?: string,
  ): Promise<void> {
    await super.updateTaskStatus(taskId, status, statusMessage, sessionId);
    if (status === "cancelled") this.#running.get(taskId)?.abort();
  }
}

/**
 * Creates the task and runs `work` in the background, storing its result. The wait lasts as long as
 * the task may live (its ttl); a cancelled task stops waiting at once, leaving the case for the same
 * call asked again.
 */
export async function startTask(
  store: GatewayTaskStore,
  extra: Extra,
  work: (signal: AbortSignal, waitSeconds: number) => Promise<CallToolResult>,
): Promise<CreateTaskResult> {
  if (!extra.taskStore) throw new Error("startTask needs the server's task store");
  const ttl = extra.taskRequestedTtl ?? null;
  const task = await extra.taskStore.createTask({ ttl, pollInterval: 1000 });
  const signal = store.watch(task.taskId);
  const waitSeconds = ttl ? Math.max(1, Math.floor(ttl / 1000)) : TASK_MAX_WAIT_SECONDS;
  void work(signal, waitSeconds)
    .then(
      (result) => store.storeTaskResult(task.taskId, "completed", result),
      (err) =>
        signal.aborted
          ? undefined
          : store.storeTaskResult(task.taskId, "failed", {
              isError: true,
              content: [{ type: "text", text: `The gateway failed: ${String(err)}` }],
            }),
    )
    .catch(() => {
      // Cancelled or expired meanwhile: a terminal task takes no result, and nobody waits for one.
    })
    .finally(() => store.done(task.taskId));
  return { task };
}
