import base from '@toolgate/eslint-config';

// Root files only; every workspace package lints itself (turbo run lint).
export default [...base, { ignores: ['apps/**', 'packages/**', 'tooling/eslint/**', 'tooling/prettier/**'] }];
