import { Initial1764000000000 } from "./1764000000000-Initial";
import { JoinTables1765000000000 } from "./1765000000000-JoinTables";
import { Shares1766200000000 } from "./1766200000000-Shares";

/** Every migration, in order. */
export const migrations = [Initial1764000000000, JoinTables1765000000000, Shares1766200000000];
