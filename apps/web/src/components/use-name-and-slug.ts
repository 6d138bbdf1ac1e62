import { slugify } from '@toolgate/core/slug';
import { useState } from 'react';

/**
 * A name with a slug derived from it: the slug follows the name until someone edits it, and
 * emptying the slug hands it back to the name. Shared by every "create something" form.
 */
export function useNameAndSlug() {
  const [name, setNameValue] = useState('');
  const [slug, setSlug] = useState('');
  const [slugEdited, setSlugEdited] = useState(false);
  return {
    name,
    slug,
    setName: (value: string) => {
      setNameValue(value);
      if (!slugEdited) setSlug(slugify(value));
    },
    editSlug: (value: string) => {
      const next = value.toLowerCase().replace(/[^a-z0-9-]/g, '-');
      setSlugEdited(next !== '');
      setSlug(next || slugify(name));
    },
  };
}
