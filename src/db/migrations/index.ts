import { Initial1764000000000 } from "./1764000000000-Initial";
import { JoinTables1765000000000 } from "./1765000000000-JoinTables";
import { Groups1766100000000 } from "./1766100000000-Groups";
import { Shares1766200000000 } from "./1766200000000-Shares";
import { AdminNotices1766300000000 } from "./1766300000000-AdminNotices";
import { RequestTally1766400000000 } from "./1766400000000-RequestTally";
import { OutboxSecrets1766520000000 } from "./1766520000000-OutboxSecrets";
import { ShareRevocation1766530000000 } from "./1766530000000-ShareRevocation";
import { DecisionGroup1766540000000 } from "./1766540000000-DecisionGroup";
import { ActivityLog1766600000000 } from "./1766600000000-ActivityLog";
import { Webhooks1766610000000 } from "./1766610000000-Webhooks";
import { Deciders1766700000000 } from "./1766700000000-Deciders";
import { Policies1766800000000 } from "./1766800000000-Policies";

/** Every migration, in order. */
export const migrations = [
  Initial1764000000000,
  JoinTables1765000000000,
  Groups1766100000000,
  Shares1766200000000,
  AdminNotices1766300000000,
  RequestTally1766400000000,
  OutboxSecrets1766520000000,
  ShareRevocation1766530000000,
  DecisionGroup1766540000000,
  ActivityLog1766600000000,
  Webhooks1766610000000,
  Deciders1766700000000,
  Policies1766800000000,
];
