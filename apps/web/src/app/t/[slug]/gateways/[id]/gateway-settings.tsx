'use client';

import { useMutation, useQueryClient } from '@tanstack/react-query';
import {
  identityProviderIssue,
  passthroughIssue,
  visibilityIssue,
  ZUpdateGatewayRequest,
  type Gateway,
} from '@toolgate/api/schemas/gateways';
import { useState, type FormEvent } from 'react';
import { fieldErrors, sentence, type FieldErrors } from '@toolgate/api/schemas/field-errors';
import { WarningIcon } from '~/components/icons';
import { Alert } from '~/components/ui/alert';
import { Button } from '~/components/ui/button';
import { TextField } from '~/components/ui/field';
import { useFieldErrors } from '~/components/use-field-errors';
import { errorFields, useTRPC } from '~/trpc/react';
import { TeamChecklist } from '../team-checklist';
import { DeleteGatewaySection } from './delete-gateway-section';
import { HeaderAllowlistEditor } from './header-allowlist-editor';
import { IdentityProviderSelect } from './identity-provider-select';
import { PassthroughServerSelect } from './passthrough-server-select';

type ClientAuthMethod = Gateway['clientAuthMethods'][number];
type Field =
  | 'name'
  | 'slug'
  | 'description'
  | 'visibility'
  | 'teamIds'
  | 'clientAuthMethods'
  | 'toolExposure'
  | 'headerAllowlist'
  | 'identityProviderId'
  | 'passthroughEntryId';

const AUTH_METHODS: { value: ClientAuthMethod; label: string; hint: string }[] = [
  { value: 'api_token', label: 'API tokens', hint: 'Bearer tokens created on the Tokens page.' },
  {
    value: 'oauth',
    label: 'OAuth (MCP clients sign in)',
    hint: 'Clients such as Claude Desktop, Cursor or VS Code need only the URL: their users sign in to this workspace and approve access.',
  },
  {
    value: 'idp_jwt',
    label: 'Identity provider JWTs',
    hint: 'Callers present tokens issued by your own identity provider.',
  },
  {
    value: 'passthrough',
    label: "Pass-through to one server (the server's own sign-in)",
    hint: "Only for a server deployed behind this gateway. Clients get tokens for this gateway's URL from the server's authorization server; the gateway checks each one (signature, issuer, audience, expiry) and forwards it unchanged to that server alone, and accepts no other credential. The server's tools are listed and called as it lists them.",
  },
];

const EXPOSURES: { value: Gateway['toolExposure']; label: string; hint: string }[] = [
  { value: 'full', label: 'All assigned tools', hint: 'Clients list every tool up front.' },
  {
    value: 'search',
    label: 'Load tools when needed',
    hint: "Clients get a tool to search the gateway's tools and one to call them, keeping their context small.",
  },
];

interface Values {
  name: string;
  slug: string;
  description: string;
  visibility: Gateway['visibility'];
  teamIds: string[];
  clientAuthMethods: ClientAuthMethod[];
  toolExposure: Gateway['toolExposure'];
  headerAllowlist: string[];
  identityProviderId: string | null;
  passthroughEntryId: string | null;
}

const valuesOf = (g: Gateway): Values => ({
  name: g.name,
  slug: g.slug,
  description: g.description,
  visibility: g.visibility,
  teamIds: g.teamIds,
  clientAuthMethods: g.clientAuthMethods,
  toolExposure: g.toolExposure,
  headerAllowlist: g.headerAllowlist,
  identityProviderId: g.identityProviderId,
  passthroughEntryId: g.passthroughEntryId,
});

const sameSet = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && [...a].sort().join('\u0000') === [...b].sort().join('\u0000');

function isDirty(v: Values, g: Gateway): boolean {
  return (
    v.name !== g.name ||
    v.slug !== g.slug ||
    v.description !== g.description ||
    v.visibility !== g.visibility ||
    (v.visibility === 'teams' && !sameSet(v.teamIds, g.teamIds)) ||
    !sameSet(v.clientAuthMethods, g.clientAuthMethods) ||
    v.toolExposure !== g.toolExposure ||
    !sameSet(v.headerAllowlist, g.headerAllowlist) ||
    v.identityProviderId !== g.identityProviderId ||
    v.passthroughEntryId !== g.passthroughEntryId
  );
}

export function GatewaySettings({
  gateway,
  tenantSlug,
}: {
  gateway: Gateway & { url: string };
  tenantSlug: string;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [values, setValues] = useState<Values>(() => valuesOf(gateway));
  const { form, errors, setErrors, showErrors } = useFieldErrors<Field>();
  const [saved, setSaved] = useState(false);

  const update = useMutation(
    trpc.gateways.update.mutationOptions({
      onSuccess: async (result) => {
        setValues(valuesOf(result));
        setSaved(true);
        queryClient.setQueryData(trpc.gateways.get.queryKey({ id: result.id }), result);
        await queryClient.invalidateQueries(trpc.gateways.list.queryFilter());
      },
      onError: (error) => setErrors(errorFields(error)),
    }),
  );

  function set<K extends keyof Values>(key: K, value: Values[K]) {
    setValues((v) => ({ ...v, [key]: value }));
    setErrors((e) => ({ ...e, [key]: undefined }));
    setSaved(false);
  }

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    const passthrough = values.clientAuthMethods.includes('passthrough');
    const input = {
      ...values,
      teamIds: values.visibility === 'teams' ? values.teamIds : [],
      passthroughEntryId: passthrough ? values.passthroughEntryId : null,
    };
    const parsed = ZUpdateGatewayRequest.safeParse(input);
    const found: FieldErrors<Field> = parsed.success ? {} : fieldErrors(parsed.error);
    const teams = visibilityIssue(input.visibility, input.teamIds);
    if (teams) found.teamIds ??= sentence(teams);
    const idp = identityProviderIssue(input.clientAuthMethods, input.identityProviderId);
    if (idp) found.identityProviderId ??= sentence(idp);
    const pt = passthroughIssue(input.clientAuthMethods, input.passthroughEntryId, input.visibility);
    if (pt) found[pt.path as Field] ??= sentence(pt.message);
    if (Object.values(found).some(Boolean)) return showErrors(found);
    setErrors({});
    update.mutate({ id: gateway.id, patch: input });
  }

  const dirty = isDirty(values, gateway);
  const serverFieldError = Object.values(errorFields(update.error)).some(Boolean);
  const newUrl = gateway.url.slice(0, gateway.url.length - gateway.slug.length) + (values.slug || '<slug>');

  return (
    <div className="mt-8 flex flex-col gap-10">
      <form
        ref={form}
        noValidate
        onSubmit={onSubmit}
        aria-labelledby="settings-heading"
        className="flex max-w-2xl flex-col gap-5"
      >
        <div>
          <h2 id="settings-heading" className="text-base font-semibold text-slate-900">
            Settings
          </h2>
          <p className="mt-1 text-sm text-slate-600">
            Changes apply to connected clients as soon as you save.
          </p>
        </div>
        {update.error && !serverFieldError && <Alert>{update.error.message}</Alert>}
        {saved && !dirty && <Alert tone="success">Settings saved.</Alert>}
        <TextField
          label="Name"
          name="name"
          maxLength={100}
          value={values.name}
          onChange={(e) => set('name', e.target.value)}
          error={errors.name}
        />
        <div className="flex flex-col gap-2">
          <TextField
            label="Slug"
            name="slug"
            autoComplete="off"
            spellCheck={false}
            maxLength={40}
            value={values.slug}
            onChange={(e) => set('slug', e.target.value.toLowerCase())}
            error={errors.slug}
            hint={`Part of the URL: /mcp/${tenantSlug}/${values.slug || '<slug>'}`}
          />
          {values.slug !== gateway.slug && (
            <p
              role="note"
              className="flex items-start gap-2 rounded-lg bg-amber-50 px-3 py-2 text-sm text-amber-900 ring-1 ring-amber-600/20 ring-inset"
            >
              <WarningIcon className="mt-0.5 size-4 shrink-0 text-amber-600" />
              <span>
                Changing the slug changes the gateway URL to{' '}
                <code className="font-mono text-xs break-all">{newUrl}</code>. Clients configured with the old
                URL stop working until you update them.
              </span>
            </p>
          )}
        </div>
        <TextField
          label="Description"
          name="description"
          placeholder="Optional"
          maxLength={2000}
          value={values.description}
          onChange={(e) => set('description', e.target.value)}
          error={errors.description}
        />

        <fieldset className="flex flex-col gap-2" aria-invalid={errors.visibility ? true : undefined}>
          <legend className="text-sm font-medium text-slate-800">Visibility</legend>
          {(
            [
              { value: 'org', label: 'Everyone in the organization' },
              { value: 'teams', label: 'Selected teams only' },
            ] as const
          ).map((o) => (
            <label key={o.value} className="flex items-center gap-2 text-sm text-slate-700">
              <input
                type="radio"
                name="visibility"
                className="size-4 accent-brand-600"
                checked={values.visibility === o.value}
                onChange={() => set('visibility', o.value)}
              />
              {o.label}
            </label>
          ))}
        </fieldset>
        {errors.visibility && <p className="text-sm text-red-600">{errors.visibility}</p>}
        {values.visibility === 'teams' && (
          <TeamChecklist
            tenantSlug={tenantSlug}
            value={values.teamIds}
            onChange={(ids) => set('teamIds', ids)}
            error={errors.teamIds}
          />
        )}

        <fieldset
          className="flex flex-col gap-2"
          aria-invalid={errors.clientAuthMethods ? true : undefined}
          aria-describedby={errors.clientAuthMethods ? 'client-auth-error' : undefined}
        >
          <legend className="text-sm font-medium text-slate-800">Client authentication</legend>
          {AUTH_METHODS.map((m) => (
            <label key={m.value} className="flex items-start gap-2 text-sm text-slate-700">
              <input
                type="checkbox"
                className="mt-0.5 size-4 accent-brand-600"
                checked={values.clientAuthMethods.includes(m.value)}
                onChange={(e) =>
                  set(
                    'clientAuthMethods',
                    e.target.checked
                      ? [...values.clientAuthMethods, m.value]
                      : values.clientAuthMethods.filter((x) => x !== m.value),
                  )
                }
              />
              <span>
                <span className="font-medium text-slate-800">{m.label}</span>
                <span className="block text-slate-500">{m.hint}</span>
              </span>
            </label>
          ))}
          {errors.clientAuthMethods && (
            <p id="client-auth-error" className="text-sm text-red-600">
              {errors.clientAuthMethods}
            </p>
          )}
        </fieldset>
        {values.clientAuthMethods.includes('passthrough') && (
          <PassthroughServerSelect
            value={values.passthroughEntryId}
            onChange={(id) => set('passthroughEntryId', id)}
            error={errors.passthroughEntryId}
          />
        )}
        {values.clientAuthMethods.includes('idp_jwt') && (
          <IdentityProviderSelect
            tenantSlug={tenantSlug}
            value={values.identityProviderId}
            onChange={(id) => set('identityProviderId', id)}
            error={errors.identityProviderId}
          />
        )}

        {/* A pass-through gateway lists the server's tools as the server does. */}
        <fieldset className="flex flex-col gap-2" hidden={values.clientAuthMethods.includes('passthrough')}>
          <legend className="text-sm font-medium text-slate-800">Tool exposure</legend>
          {EXPOSURES.map((o) => (
            <label key={o.value} className="flex items-start gap-2 text-sm text-slate-700">
              <input
                type="radio"
                name="toolExposure"
                className="mt-0.5 size-4 accent-brand-600"
                checked={values.toolExposure === o.value}
                onChange={() => set('toolExposure', o.value)}
              />
              <span>
                <span className="font-medium text-slate-800">{o.label}</span>
                <span className="block text-slate-500">{o.hint}</span>
              </span>
            </label>
          ))}
        </fieldset>

        <HeaderAllowlistEditor
          value={values.headerAllowlist}
          onChange={(headers) => set('headerAllowlist', headers)}
          error={errors.headerAllowlist}
        />

        <div className="flex justify-end gap-3 border-t border-slate-200 pt-5">
          <Button
            variant="secondary"
            disabled={!dirty || update.isPending}
            onClick={() => {
              setValues(valuesOf(gateway));
              setErrors({});
              update.reset();
            }}
          >
            Discard changes
          </Button>
          <Button type="submit" pending={update.isPending} disabled={!dirty}>
            {update.isPending ? 'Saving…' : 'Save settings'}
          </Button>
        </div>
      </form>
      <DeleteGatewaySection gateway={gateway} tenantSlug={tenantSlug} />
    </div>
  );
}
