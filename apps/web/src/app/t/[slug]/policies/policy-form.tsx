'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useRouter } from 'next/navigation';
import { useRef, useState, type FormEvent } from 'react';
import { GatewayScope } from '~/components/gateway-scope';
import { Alert } from '~/components/ui/alert';
import { Button } from '~/components/ui/button';
import { SelectField, TextAreaField, TextField } from '~/components/ui/field';
import { Switch } from '~/components/ui/switch';
import { errorFields, useTRPC, type TrpcError } from '~/trpc/react';
import { ConditionField } from './condition-field';
import { conditionProblem, problemFromDetails, type ConditionProblem } from './condition-problem';
import { ACTION_LABELS, APPROVER_LABELS, MESSAGE_HINTS, type Policy } from './labels';
import {
  applyTemplate,
  draftErrors,
  draftOf,
  EMPTY_DRAFT,
  policyInput,
  type ApproverKind,
  type DraftField,
  type PolicyDraft,
} from './policy-draft';
import { POLICY_TEMPLATES } from './policy-templates';
import { PolicyTester, type TesterDraft } from './policy-tester';

type Errors = Partial<Record<DraftField, string>>;

/**
 * Adds a policy or changes one (owners and admins). The condition is checked in the browser as the
 * server checks it; a problem from either shows under the field with a caret under its column,
 * and the text cursor goes there. Templates fill the fields; nothing is saved until Save.
 */
export function PolicyForm({ tenantSlug, policy }: { tenantSlug: string; policy?: Policy }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const router = useRouter();
  const gateways = useQuery(trpc.gateways.list.queryOptions());
  const teams = useQuery(trpc.teams.list.queryOptions());
  const policies = useQuery(trpc.policies.list.queryOptions());
  const [draft, setDraft] = useState<PolicyDraft>(() => (policy ? draftOf(policy) : EMPTY_DRAFT));
  const [errors, setErrors] = useState<Errors>({});
  const [problem, setProblem] = useState<ConditionProblem | null>(null);
  const [focusCondition, setFocusCondition] = useState(0);
  const form = useRef<HTMLFormElement>(null);
  const back = `/t/${tenantSlug}/policies`;

  const onSaved = async (saved: Policy) => {
    await queryClient.invalidateQueries(trpc.policies.list.queryFilter());
    await queryClient.invalidateQueries(trpc.policies.get.queryFilter({ id: saved.id }));
    router.push(`${back}?saved=${saved.id}`);
  };
  const onError = (error: TrpcError) =>
    showProblems(errorFields(error), problemFromDetails(error.data?.details));
  const create = useMutation(trpc.policies.create.mutationOptions({ onSuccess: onSaved, onError }));
  const update = useMutation(trpc.policies.update.mutationOptions({ onSuccess: onSaved, onError }));
  const saving = create.isPending || update.isPending;
  const saveError = create.error ?? update.error;

  /** Shows messages; the cursor goes to the condition's problem, else to the first invalid field. */
  function showProblems(found: Errors, at: ConditionProblem | null) {
    setErrors(found);
    setProblem(at);
    if (at) setFocusCondition((n) => n + 1);
    else
      requestAnimationFrame(() => form.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus());
  }

  /** The browser's checks; true when there is nothing to fix. */
  function check(): boolean {
    const found: Errors = draftErrors(draft);
    const at = draft.condition.trim() ? conditionProblem(draft.condition) : null;
    if (!draft.condition.trim()) found.condition = 'Write a condition';
    if (!at && Object.values(found).every((v) => !v)) return true;
    showProblems(found, at);
    return false;
  }

  const set = <K extends keyof PolicyDraft>(field: K, value: PolicyDraft[K]) => {
    setDraft((d) => ({ ...d, [field]: value }));
    setErrors((e) => ({ ...e, [field]: undefined }));
  };

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    if (!check()) return;
    const input = policyInput(draft);
    if (policy) update.mutate({ id: policy.id, patch: input });
    else create.mutate(input);
  }

  const testerDraft = (): TesterDraft | null => {
    if (!check()) return null;
    const { name, condition, action, message, priority, gatewayIds } = policyInput(draft);
    return { ...(policy ? { id: policy.id } : {}), name, condition, action, message, priority, gatewayIds };
  };

  const fieldError = Object.values(errors).some(Boolean) || problem !== null;
  return (
    <div className="flex flex-col gap-8">
      {!policy && (
        <section aria-labelledby="templates-heading" className="flex flex-col gap-3">
          <h2 id="templates-heading" className="text-sm font-medium text-slate-800">
            Start from a template
          </h2>
          <ul className="grid gap-3 sm:grid-cols-3">
            {POLICY_TEMPLATES.map((t) => (
              <li key={t.key}>
                <button
                  type="button"
                  onClick={() => {
                    setDraft((d) => applyTemplate(d, t));
                    setErrors({});
                    setProblem(null);
                  }}
                  className="flex h-full w-full flex-col items-start gap-1 rounded-xl bg-white p-4 text-left shadow-xs ring-1 ring-slate-200 hover:ring-brand-400 focus-visible:outline-2 focus-visible:outline-brand-600"
                >
                  <span className="text-sm font-medium text-slate-900">{t.title}</span>
                  <span className="text-xs text-slate-500">{t.summary}</span>
                </button>
              </li>
            ))}
          </ul>
        </section>
      )}
      <form
        ref={form}
        noValidate
        onSubmit={onSubmit}
        aria-label={policy ? `Edit ${policy.name}` : 'New policy'}
        className="flex flex-col gap-5 rounded-xl bg-white p-5 shadow-xs ring-1 ring-slate-200"
      >
        {saveError && !fieldError && <Alert>{saveError.message}</Alert>}
        <TextField
          label="Name"
          name="name"
          maxLength={100}
          value={draft.name}
          onChange={(e) => set('name', e.target.value)}
          error={errors.name}
          hint="Shown in the audit log and, with a deny, named to the model if there is no message."
        />
        <TextAreaField
          label="Description"
          name="description"
          rows={2}
          maxLength={2000}
          value={draft.description}
          onChange={(e) => set('description', e.target.value)}
          error={errors.description}
          hint="Optional, for admins."
        />
        <GatewayScope
          subject="policy"
          gateways={gateways.data ?? []}
          loading={gateways.isPending}
          allGateways={draft.allGateways}
          gatewayIds={draft.gatewayIds}
          onChange={(allGateways, gatewayIds) => {
            setDraft((d) => ({ ...d, allGateways, gatewayIds }));
            setErrors((e) => ({ ...e, gatewayIds: undefined }));
          }}
          error={errors.gatewayIds}
        />
        <div className="grid gap-4 sm:grid-cols-2">
          <TextField
            label="Priority"
            name="priority"
            inputMode="numeric"
            value={draft.priority}
            onChange={(e) => set('priority', e.target.value)}
            error={errors.priority}
            hint="Higher runs first; the first policy whose condition is true decides."
          />
          <div className="flex flex-col gap-1.5">
            <span className="text-sm font-medium text-slate-800">Enabled</span>
            <span className="flex h-10 items-center gap-2 text-sm text-slate-600">
              <Switch label="Enabled" checked={draft.enabled} onChange={(on) => set('enabled', on)} />
              {draft.enabled ? 'Checked on every call' : 'Kept, but never evaluated'}
            </span>
          </div>
        </div>
        <ConditionField
          value={draft.condition}
          onChange={(condition) => {
            set('condition', condition);
            // Once a problem shows, it follows the typing (and goes once the condition checks).
            if (problem || errors.condition)
              setProblem(condition.trim() ? conditionProblem(condition) : null);
          }}
          onBlur={() => {
            if (draft.condition.trim()) setProblem(conditionProblem(draft.condition));
          }}
          problem={problem}
          error={errors.condition}
          focusRequest={focusCondition}
        />
        <SelectField
          label="Action"
          name="action"
          value={draft.action}
          onChange={(e) => set('action', e.target.value as PolicyDraft['action'])}
          options={Object.entries(ACTION_LABELS).map(([value, label]) => ({ value, label }))}
          error={errors.action}
        />
        {draft.action === 'require_approval' && (
          <div className="grid gap-4 sm:grid-cols-2">
            <SelectField
              label="Who approves"
              name="approvers"
              value={draft.approverKind}
              onChange={(e) => {
                set('approverKind', e.target.value as ApproverKind);
                setErrors((err) => ({ ...err, approvers: undefined }));
              }}
              options={Object.entries(APPROVER_LABELS).map(([value, label]) => ({ value, label }))}
              error={draft.approverKind === 'team' ? undefined : errors.approvers}
            />
            {draft.approverKind === 'team' && (
              <SelectField
                label="Approving team"
                name="approverTeamId"
                value={draft.approverTeamId}
                onChange={(e) => {
                  set('approverTeamId', e.target.value);
                  setErrors((err) => ({ ...err, approvers: undefined }));
                }}
                options={[
                  { value: '', label: teams.isPending ? 'Loading teams…' : 'Choose a team' },
                  ...(teams.data ?? []).map((t) => ({ value: t.id, label: t.name })),
                ]}
                hint="Its maintainers, and the workspace’s owners and admins."
                error={errors.approvers}
              />
            )}
          </div>
        )}
        <TextAreaField
          label="Message"
          name="message"
          rows={2}
          maxLength={1000}
          value={draft.message}
          onChange={(e) => set('message', e.target.value)}
          error={errors.message}
          hint={MESSAGE_HINTS[draft.action]}
        />
        <div className="flex justify-end gap-3">
          <Button variant="secondary" onClick={() => router.push(back)}>
            Cancel
          </Button>
          <Button type="submit" pending={saving}>
            {saving ? 'Saving…' : policy ? 'Save changes' : 'Create policy'}
          </Button>
        </div>
      </form>
      <PolicyTester
        gateways={gateways.data ?? []}
        policyNames={new Map((policies.data ?? []).map((p) => [p.id, p.name]))}
        draft={testerDraft}
        onConditionProblem={(at) => showProblems({}, at)}
      />
    </div>
  );
}
