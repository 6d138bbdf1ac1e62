import type { OfferedVersion } from '@toolgate/api/schemas/installation-versions';

/** How an offered version reads in a list: latest, pre-release and deprecation said next to it. */
export function versionLabel(v: OfferedVersion): string {
  const notes = [v.latest && 'latest', v.prerelease && 'pre-release', v.deprecated && 'deprecated'].filter(
    Boolean,
  );
  return notes.length > 0 ? `${v.version} (${notes.join(', ')})` : v.version;
}
