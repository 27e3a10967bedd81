import { toSystem, type OwnershipConfig, type Plan } from '@switchboard/master-data';

/**
 * The plan with each customer_synced in its target's field names and formats (the ownership file's
 * `mappings`). The planner decides, remembers echoes and checks flows in canonical terms; only what
 * leaves is translated, so a value the target echoes back maps to the canonical value it was sent.
 */
export function inTargetTerms(config: OwnershipConfig, plan: Plan): Plan {
  if (plan.events.length === 0) return plan;
  return {
    ...plan,
    events: plan.events.map((event) => ({
      ...event,
      fields: toSystem(config.mappings, event.target, event.entity, event.fields),
    })),
  };
}
