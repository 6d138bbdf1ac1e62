import { useEffect, useRef, useState } from 'react';
import type { z } from 'zod';
import { fieldErrors, type FieldErrors } from '@toolgate/api/schemas/field-errors';

/**
 * A form's messages per field: shown under the inputs, the first invalid input focused when they
 * appear, and a field's message dropped as soon as it is edited. Shared by every form.
 */
export function useFieldErrors<K extends string>() {
  const form = useRef<HTMLFormElement>(null);
  const [errors, setErrors] = useState<FieldErrors<K>>({});
  // Focus moves once the messages are on the page (after React commits them), not on a guess at
  // when that will be.
  const [focusRequests, setFocusRequests] = useState(0);
  useEffect(() => {
    if (focusRequests > 0) form.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [focusRequests]);
  return {
    /** Put on the <form>: where the first invalid input is looked for. */
    form,
    errors,
    setErrors,
    /** Shows these messages and moves the focus to the first field that has one. */
    showErrors: (next: FieldErrors<K>) => {
      setErrors(next);
      setFocusRequests((n) => n + 1);
    },
    clearError: (field: K) => {
      if (errors[field]) setErrors((err) => ({ ...err, [field]: undefined }));
    },
    /** On leaving a field: checks what was typed (nothing typed is not an error yet). */
    checkField: (field: K, schema: z.ZodType, value: string) => {
      if (!value) return;
      const result = schema.safeParse(value);
      setErrors((err) => ({ ...err, [field]: result.success ? undefined : fieldErrors(result.error)[''] }));
    },
  };
}
