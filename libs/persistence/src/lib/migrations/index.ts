import { InitialSchema1763770000000 } from './1763770000000-initial-schema';

/** Every migration, in order. The schema comes only from these (never `synchronize`). */
export const migrations = [InitialSchema1763770000000];
