import { num2 } from "../format";

/**
 * The model's confidence against the risk class's threshold, in words first ("0.82 — below high's
 * 0.97") and as a bar with the threshold marked. Colour never carries the meaning alone.
 */
export function ConfidenceMeter({
  confidence,
  threshold,
  riskClass,
}: {
  confidence: number | null;
  threshold: number | null;
  riskClass: string;
}) {
  if (confidence === null) {
    return (
      <div className="confidence">
        <p className="confidence-text">Hidden until you record your own judgment.</p>
      </div>
    );
  }
  let verdict: string;
  let tone: "below" | "meets" | "never";
  if (threshold === null) {
    verdict = `${riskClass} never auto-routes`;
    tone = "never";
  } else if (confidence < threshold) {
    verdict = `below ${riskClass}'s ${num2(threshold)}`;
    tone = "below";
  } else {
    verdict = `meets ${riskClass}'s ${num2(threshold)}`;
    tone = "meets";
  }
  return (
    <div className={`confidence ${tone}`}>
      <p className="confidence-text">
        <strong>{num2(confidence)}</strong> — {verdict}
      </p>
      <div className="bar" aria-hidden="true">
        <div className="fill" style={{ width: `${Math.round(confidence * 100)}%` }} />
        {threshold !== null && <div className="tick" style={{ left: `${Math.round(threshold * 100)}%` }} />}
      </div>
    </div>
  );
}
