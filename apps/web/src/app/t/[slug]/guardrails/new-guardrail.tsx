'use client';

import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { GuardrailForm } from './guardrail-form';
import { SigningSecretPanel } from './signing-secret';

/** The new-guardrail form; once saved with an endpoint, its signing secret instead, shown this once. */
export function NewGuardrail({ tenantSlug }: { tenantSlug: string }) {
  const router = useRouter();
  const [created, setCreated] = useState<{ id: string; name: string; secret: string } | null>(null);
  if (created)
    return (
      <SigningSecretPanel
        guardrailName={created.name}
        secret={created.secret}
        doneLabel="I have stored it"
        onDone={() => router.push(`/t/${tenantSlug}/guardrails?saved=${created.id}`)}
      />
    );
  return (
    <GuardrailForm
      tenantSlug={tenantSlug}
      onSecret={(saved) => setCreated({ id: saved.id, name: saved.name, secret: saved.signingSecret })}
    />
  );
}
