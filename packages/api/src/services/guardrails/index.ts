export { createGuardrail, type CreateGuardrailOptions } from './create-guardrail.ts';
export { deleteGuardrail, type DeleteGuardrailOptions } from './delete-guardrail.ts';
export { getGuardrail, type GetGuardrailOptions } from './get-guardrail.ts';
export { listGuardrails, type ListGuardrailsOptions } from './list-guardrails.ts';
export { updateGuardrail, type UpdateGuardrailOptions } from './update-guardrail.ts';
