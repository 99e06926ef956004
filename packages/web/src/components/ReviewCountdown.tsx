import { useEffect, useState } from "react";

/** Whole seconds from now until epoch ms `at` (0 once passed, or when there is no time). */
function secondsLeft(at: number): number {
  return Number.isNaN(at) ? 0 : Math.max(0, Math.ceil((at - Date.now()) / 1000));
}

/**
 * Whole seconds until `iso` (the case's `minDecisionAt`), ticking while it is in the future; 0 once it
 * has passed or when there is no minimum. The server refuses an earlier decision anyway (422).
 */
export function useSecondsUntil(iso: string | null | undefined): number {
  const at = iso ? Date.parse(iso) : Number.NaN;
  const [seconds, setSeconds] = useState(() => secondsLeft(at));
  useEffect(() => {
    setSeconds(secondsLeft(at));
    if (secondsLeft(at) === 0) return;
    const t = setInterval(() => {
      const s = secondsLeft(at);
      setSeconds(s);
      if (s === 0) clearInterval(t);
    }, 250);
    return () => clearInterval(t);
  }, [at]);
  return seconds;
}

/** "You can decide in 4 s": the workflow's minimum review time, counted down on the decision panel. */
export function ReviewCountdown({ seconds }: { seconds: number }) {
  if (seconds <= 0) return null;
  return (
    <p className="muted small" role="timer" aria-live="off">
      You can decide in {seconds} s
    </p>
  );
}
