import { Initial1764000000000 } from "./1764000000000-Initial";

/** Every migration, in order. */
export const migrations = [Initial1764000000000];
