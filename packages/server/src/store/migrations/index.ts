import type { MigrationProvider } from "kysely";
import type { EngineName } from "../engine.js";
import { initialMigration } from "./001_initial.js";
import { usersSessionsMigration } from "./002_users_sessions.js";
import { workspaceMigration } from "./003_workspace.js";
import { reviewRulesMigration } from "./004_review_rules.js";
import { timersMigration } from "./005_timers.js";
import { outcomesMigration } from "./006_outcomes.js";
import { auditsMigration } from "./007_audits.js";
import { shadowCasesMigration } from "./008_shadow_cases.js";
import { alertsMigration } from "./009_alerts.js";
import { metricsIndexesMigration } from "./010_metrics_indexes.js";
import { queuePriorityMigration } from "./011_queue_priority.js";
import { keyOwnerMigration } from "./012_key_owner.js";
import { claimIndexesMigration } from "./013_claim_indexes.js";
import { metricRollupsMigration } from "./014_metric_rollups.js";
import { webhookSecretsMigration } from "./015_webhook_secrets.js";
import { keyLifecycleMigration } from "./016_key_lifecycle.js";
import { auditChainMigration } from "./017_audit_chain.js";
import { claimTokenMigration } from "./018_claim_token.js";
import { suspensionsMigration } from "./019_suspensions.js";
import { revisionsMigration } from "./020_revisions.js";
import { notificationsMigration } from "./021_notifications.js";
import { ownerInboxMigration } from "./022_owner_inbox.js";
import { blindSampleMigration } from "./023_blind_sample.js";
import { teamRollupsMigration } from "./024_team_rollups.js";
import { outboxDestinationMigration } from "./025_outbox_destination.js";

/**
 * Every migration, listed by hand. Kysely's FileMigrationProvider would scan a folder at run time, which
 * breaks once the code is bundled or run from dist/ without the .ts sources; a static list cannot.
 * Names sort in the order they must run.
 */
export function migrationProvider(engine: EngineName): MigrationProvider {
  return {
    async getMigrations() {
      return {
        "001_initial": initialMigration(engine),
        "002_users_sessions": usersSessionsMigration(),
        "003_workspace": workspaceMigration(),
        "004_review_rules": reviewRulesMigration(),
        "005_timers": timersMigration(),
        "006_outcomes": outcomesMigration(),
        "007_audits": auditsMigration(),
        "008_shadow_cases": shadowCasesMigration(),
        "009_alerts": alertsMigration(engine),
        "010_metrics_indexes": metricsIndexesMigration(engine),
        "011_queue_priority": queuePriorityMigration(),
        "012_key_owner": keyOwnerMigration(),
        "013_claim_indexes": claimIndexesMigration(),
        "014_metric_rollups": metricRollupsMigration(),
        "015_webhook_secrets": webhookSecretsMigration(),
        "016_key_lifecycle": keyLifecycleMigration(),
        "017_audit_chain": auditChainMigration(),
        "018_claim_token": claimTokenMigration(),
        "019_suspensions": suspensionsMigration(),
        "020_revisions": revisionsMigration(),
        "021_notifications": notificationsMigration(),
        "022_owner_inbox": ownerInboxMigration(),
        "023_blind_sample": blindSampleMigration(),
        "024_team_rollups": teamRollupsMigration(),
        "025_outbox_destination": outboxDestinationMigration(),
      };
    },
  };
}
