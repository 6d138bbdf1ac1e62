import base from '@toolgate/eslint-config';

export default [...base, { ignores: ['next-env.d.ts', 'postcss.config.mjs'] }];
