'use client';

import { useMutation, useQueryClient } from '@tanstack/react-query';
import { ZCreateApiTokenRequest, type CreatedApiToken } from '@toolgate/api/schemas/tokens';
import { fieldErrors } from '@toolgate/api/schemas/field-errors';
import { useState, type FormEvent } from 'react';
import { CopyableValue } from '~/components/copy-button';
import { Alert, Notice } from '~/components/ui/alert';
import { Button } from '~/components/ui/button';
import { TextField } from '~/components/ui/field';
import { errorFields, useTRPC } from '~/trpc/react';

const DAY = 86_400_000;
/** Like the Tokens page's default: a token made for one client expires in 90 days. */
const EXPIRES_IN_DAYS = 90;

/**
 * "Create a token" inside the connect dialog: a personal token for this gateway only, named,
 * shown once, and handed to the snippets. What the server refuses (an unverified account, a
 * name in use) is shown in its own words.
 */
export function ConnectToken({
  gatewayId,
  token,
  onCreated,
}: {
  gatewayId: string;
  token: CreatedApiToken | null;
  onCreated: (token: CreatedApiToken) => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [name, setName] = useState('');
  const [error, setError] = useState<string>();
  const create = useMutation(
    trpc.tokens.create.mutationOptions({
      onSuccess: async (created) => {
        onCreated(created);
        await queryClient.invalidateQueries(trpc.tokens.list.queryFilter());
      },
      onError: (err) => setError(errorFields(err).name),
    }),
  );

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    const input = {
      name: name.trim(),
      scope: 'user' as const,
      capabilities: ['mcp' as const],
      expiresAt: new Date(Date.now() + EXPIRES_IN_DAYS * DAY).toISOString(),
      gatewayIds: [gatewayId],
    };
    const parsed = ZCreateApiTokenRequest.safeParse(input);
    if (!parsed.success) return setError(fieldErrors(parsed.error).name ?? 'Check the token’s name');
    setError(undefined);
    create.mutate(input);
  }

  if (token)
    return (
      <div className="flex flex-col gap-2" aria-live="polite">
        <Alert tone="success">
          Token “{token.name}” created for this gateway. It is filled into the configurations below.
        </Alert>
        <CopyableValue value={token.token} label="Copy token" testId="connect-new-token" />
        <Notice>Copy it now: it will not be shown again. Revoke it on the Tokens page.</Notice>
      </div>
    );
  return (
    <form noValidate onSubmit={onSubmit} className="flex flex-col gap-2" aria-label="Create a token">
      {create.error && !errorFields(create.error).name && <Alert>{create.error.message}</Alert>}
      <div className="flex flex-wrap items-end gap-2">
        <TextField
          label="New token for this gateway"
          name="tokenName"
          className="min-w-0 flex-1"
          maxLength={100}
          placeholder="Claude Desktop on my laptop"
          value={name}
          onChange={(e) => {
            setName(e.target.value);
            setError(undefined);
          }}
          error={error}
          hint={`Personal, calls only this gateway, expires in ${EXPIRES_IN_DAYS} days.`}
        />
        <Button type="submit" variant="secondary" pending={create.isPending} className="mb-6">
          {create.isPending ? 'Creating…' : 'Create token'}
        </Button>
      </div>
    </form>
  );
}
