import base from '@toolgate/eslint-config';
import { boundaries } from '@toolgate/eslint-config/boundaries';

export default [...base, ...boundaries('runner')];
