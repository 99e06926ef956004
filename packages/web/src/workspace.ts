import { createContext, useContext } from "react";
import type { User, WorkflowInfo } from "./types";

/** What every page needs: who is signed in, the workflows they may see, and the shared actions. */
export interface Workspace {
  user: User;
  workflows: Map<string, WorkflowInfo>;
  /** Claims the next case (optionally of one workflow) and opens it; "Nothing waiting" otherwise. */
  nextCase(workflow?: string): Promise<void>;
  claiming: boolean;
  /** A one-line message for the queue page ("Nothing waiting", "Released …"). */
  flash: string | null;
  setFlash(message: string | null): void;
  canReview: boolean;
}

export const WorkspaceContext = createContext<Workspace | null>(null);

export function useWorkspace(): Workspace {
  const ws = useContext(WorkspaceContext);
  if (!ws) throw new Error("useWorkspace outside the signed-in workspace");
  return ws;
}
