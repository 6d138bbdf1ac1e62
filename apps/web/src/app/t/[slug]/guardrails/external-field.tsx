'use client';

import { MAX_EXTERNAL_TIMEOUT_MS } from '@toolgate/core/dlp';
import { SelectField, TextField } from '~/components/ui/field';
import type { DraftErrors, GuardrailDraft } from './guardrail-draft';
import { FAIL_MODE_LABELS } from './labels';
import { SigningProtocol } from './signing-secret';

type ExternalFields = Pick<GuardrailDraft, 'external' | 'url' | 'timeoutMs' | 'failMode'>;

/**
 * The optional external guardrail: an endpoint of the workspace's own that sees each call after the
 * detectors and allows, denies or changes it. Its signing secret is made by Toolgate when the
 * endpoint is added, and shown once.
 */
export function ExternalField({
  value,
  errors,
  savedEndpoint,
  onChange,
}: {
  value: ExternalFields;
  errors: DraftErrors;
  /** The endpoint the guardrail has now (null when it has none, or is new). */
  savedEndpoint: string | null;
  onChange: <K extends keyof ExternalFields>(field: K, value: ExternalFields[K]) => void;
}) {
  return (
    <fieldset className="flex flex-col gap-3">
      <legend className="mb-1.5 text-sm font-medium text-slate-800">External guardrail</legend>
      <label className="flex items-start gap-2 text-sm text-slate-700">
        <input
          type="checkbox"
          className="mt-0.5 size-4 accent-brand-600"
          checked={value.external}
          onChange={(e) => onChange('external', e.target.checked)}
        />
        <span>
          Also ask an endpoint of yours
          <span className="block text-slate-500">
            It is called after the detectors, on what they let through, and allows, refuses or changes the
            call.
          </span>
        </span>
      </label>
      {!value.external && savedEndpoint && (
        <p className="ml-6 text-sm text-amber-800">
          Saving removes the endpoint {savedEndpoint} and its signing secret; adding one again makes a new
          secret.
        </p>
      )}
      {value.external && (
        <div className="ml-6 flex flex-col gap-4">
          <TextField
            label="Endpoint URL"
            name="external.url"
            type="url"
            inputMode="url"
            placeholder="https://guard.example.com/toolgate"
            value={value.url}
            onChange={(e) => onChange('url', e.target.value)}
            error={errors['external.url']}
            hint={
              savedEndpoint
                ? 'Changing the URL keeps the signing secret; rotate it below to make a new one.'
                : 'HTTPS. When you save, Toolgate makes a signing secret and shows it once.'
            }
          />
          <div className="grid gap-4 sm:grid-cols-2">
            <TextField
              label="Timeout (ms)"
              name="external.timeoutMs"
              inputMode="numeric"
              value={value.timeoutMs}
              onChange={(e) => onChange('timeoutMs', e.target.value)}
              error={errors['external.timeoutMs']}
              hint={`100 to ${MAX_EXTERNAL_TIMEOUT_MS}; how long a call waits for the endpoint.`}
            />
            <SelectField
              label="When it cannot answer"
              name="external.failMode"
              value={value.failMode}
              onChange={(e) => onChange('failMode', e.target.value as ExternalFields['failMode'])}
              options={Object.entries(FAIL_MODE_LABELS).map(([v, label]) => ({ value: v, label }))}
              error={errors['external.failMode']}
              hint="A timeout, an error or an answer that is not one of the three counts as no answer."
            />
          </div>
          {errors.external && <p className="text-sm text-red-600">{errors.external}</p>}
          <SigningProtocol />
        </div>
      )}
    </fieldset>
  );
}
